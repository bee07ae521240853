"""The Runtime Server's SOAP interface, driven by a real SOAP client (zeep) and by raw posts.

zeep loads the WSDL from the live control plane and calls every operation on real runner
processes; the faults (malformed XML, wrong types, no credentials, ...) are posted by hand with
httpx, and each answer must be a SOAP 1.1 Fault naming the problem, never a bare error page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import requests
from lxml import etree
from zeep import Client
from zeep.exceptions import Fault
from zeep.transports import Transport

from baton.jobs.states import NodeState, RunState
from baton.registry import access
from baton.registry.enums import Action, PrincipalKind, ResourceKind
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER
from tests.runtime.conftest import Runtime

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:baton:runtime"
XSD = "http://www.w3.org/2001/XMLSchema"

HELLO = {
    "name": "hello",
    "nodes": [
        {"id": "add", "kind": "program", "program": "sample.add", "bindings": {"a": 2, "b": 3}},
        {"id": "say", "kind": "command", "argv": ["echo", "sum={{ nodes.add.result }}"]},
    ],
    "edges": [{"from": "add", "to": "say"}],
    "outputs": {"sum": {"type": "integer", "value": "nodes.add.result"}},
}
ADDER = {
    "name": "adder",
    "inputs": {
        "a": {"type": "integer", "required": True},
        "b": {"type": "integer", "required": True},
        "label": {"type": "string", "default": "none"},
    },
    "nodes": [
        {
            "id": "add",
            "kind": "program",
            "program": "sample.add",
            "bindings": {"a": "inputs.a", "b": "inputs.b"},
        }
    ],
    "outputs": {
        "sum": {"type": "integer", "value": "nodes.add.result"},
        "label": {"type": "string", "value": "inputs.label"},
    },
}
SLEEPER = {"name": "sleeper", "nodes": [{"id": "nap", "kind": "command", "argv": ["sleep", "30"]}]}


@contextmanager
def soap_client(runtime: Runtime, user: str, password: str) -> Iterator[Client]:
    """A zeep client built from the live WSDL, signed in with HTTP Basic."""
    session = requests.Session()
    session.trust_env = False  # no proxy or CA bundle from the environment
    session.auth = (user, password)
    try:
        transport = Transport(session=session, timeout=30, operation_timeout=120)
        yield Client(f"{runtime.url}/soap/runtime?wsdl", transport=transport)
    finally:
        session.close()


def admin_client(runtime: Runtime) -> Any:
    return soap_client(runtime, "admin", runtime.installation.admin_password)


def envelope(operation: str, body: str = "", *, header: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:b="{NS}">'
        f"{f'<soap:Header>{header}</soap:Header>' if header else ''}"
        f"<soap:Body><b:{operation}>{body}</b:{operation}></soap:Body></soap:Envelope>"
    )


def post(client: httpx.Client, content: str | bytes) -> httpx.Response:
    return client.post(
        "/soap/runtime",
        content=content,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
    )


def fault_of(answer: httpx.Response) -> dict[str, str]:
    """The fault an answer carries: faultcode, faultstring and the detail's code and field."""
    assert answer.headers["content-type"].startswith("text/xml"), answer.text
    root = etree.fromstring(answer.content)
    fault = root.find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    assert fault is not None, answer.text
    found = {"faultcode": fault.findtext("faultcode"), "faultstring": fault.findtext("faultstring")}
    for name in ("code", "field"):
        text = fault.findtext(f"detail/{{{NS}}}BatonFault/{{{NS}}}{name}")
        if text is not None:
            found[name] = text
    return {key: value for key, value in found.items() if value is not None}


def detail(fault: Fault, name: str) -> str | None:
    """A field of the ``BatonFault`` in a fault zeep raised."""
    text: str | None = fault.detail.findtext(f"{{{NS}}}BatonFault/{{{NS}}}{name}")
    return text


def until(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def items(container: Any, name: str) -> dict[str, str]:
    return {item.name: item.value for item in (getattr(container, name, None) or [])}


# --- the operations, through zeep --------------------------------------------------------------


def test_a_job_runs_and_is_followed_through_soap(runtime: Runtime) -> None:
    with runtime.admin() as admin:
        runtime.save(admin, HELLO)
    with admin_client(runtime) as client:
        started = client.service.RunJob(jobName="hello", waitSeconds=60)
        assert started.state == "SUCCEEDED", started
        assert started.job == "hello" and started.version == 1
        assert started.createdBy == "admin" and started.finishedAt is not None

        status = client.service.GetRunStatus(runId=started.runId)
        assert status.runId == started.runId
        assert status.state == "SUCCEEDED"
        assert not status.error and status.position is None

        outputs = client.service.GetRunOutputs(runId=started.runId, includeNodes=True)
        assert outputs.state == "SUCCEEDED"
        assert items(outputs.outputs, "output") == {"sum": "5"}
        nodes = {node.node: node for node in outputs.nodeRuns.nodeRun}
        assert nodes["say"].state == "SUCCEEDED"
        assert items(nodes["say"].outputs, "output")["stdout"] == '"sum=5\\n"'
        assert client.service.GetRunOutputs(runId=started.runId).nodeRuns is None

        lines = client.service.GetRunLog(runId=started.runId)
        assert any("on runner" in line.text for line in lines)
        assert [line.id for line in lines] == sorted(line.id for line in lines)
        later = client.service.GetRunLog(runId=started.runId, afterId=lines[0].id)
        assert [line.id for line in later] == [line.id for line in lines[1:]]


def test_inputs_are_text_read_as_their_declared_type(runtime: Runtime) -> None:
    with runtime.admin() as admin:
        runtime.save(admin, ADDER)
    with admin_client(runtime) as client:
        given = {"input": [{"name": "a", "value": "40"}, {"name": "b", "value": "2"}]}
        given["input"].append({"name": "label", "value": "forty-two"})
        run = client.service.RunJob(jobName="adder", inputs=given, version=1, waitSeconds=60)
        assert run.state == "SUCCEEDED", run
        outputs = client.service.GetRunOutputs(runId=run.runId)
        assert items(outputs.outputs, "output") == {"sum": "42", "label": '"forty-two"'}

        wrong = {"input": [{"name": "a", "value": "forty"}, {"name": "b", "value": "2"}]}
        with pytest.raises(Fault) as refused:
            client.service.RunJob(jobName="adder", inputs=wrong)
        assert refused.value.code == "soap:Client"
        assert "inputs.a" in refused.value.message
        assert detail(refused.value, "field") == "inputs.a"
        assert detail(refused.value, "code") == "invalid_input"

        with pytest.raises(Fault) as missing:
            client.service.RunJob(jobName="no-such-job")
        assert missing.value.code == "soap:Client"
        assert "no-such-job" in missing.value.message


def test_a_running_run_is_cancelled(runtime: Runtime) -> None:
    with runtime.admin() as admin:
        runtime.save(admin, SLEEPER)
        with admin_client(runtime) as client:
            run = client.service.RunJob(jobName="sleeper")
            assert run.state in ("QUEUED", "RUNNING")
            runtime.until(
                admin,
                run.runId,
                lambda detail: any(n["state"] == NodeState.RUNNING for n in detail["nodes"]),
            )

            cancelled = client.service.CancelRun(runId=run.runId)
            assert cancelled.state in ("RUNNING", "CANCELLED")

            def ended() -> bool:
                return bool(client.service.GetRunStatus(runId=run.runId).state == "CANCELLED")

            until(ended, f"run {run.runId} to be cancelled")
            with pytest.raises(Fault) as again:
                client.service.CancelRun(runId=run.runId)
            assert again.value.code == "soap:Client"
            assert "already ended" in again.value.message


def test_jobs_and_runs_follow_the_callers_rights(runtime: Runtime) -> None:
    with runtime.admin() as admin:
        runtime.save(admin, HELLO)
        runtime.save(admin, ADDER)
    with runtime.installation.database.session() as session:
        access.grant(
            session,
            PrincipalKind.USER,
            PLAIN_USER,
            ResourceKind.JOB,
            "adder",
            Action.READ,
            granted_by="admin",
        )
    with admin_client(runtime) as admin_soap:
        assert {job.name for job in admin_soap.service.ListJobs()} == {"adder", "hello"}
        hello = admin_soap.service.ListJobs()[1]
        assert (hello.name, hello.latestVersion) == ("hello", 1)
        run = admin_soap.service.RunJob(jobName="hello", waitSeconds=60)

    with soap_client(runtime, PLAIN_USER, PLAIN_PASSWORD) as plain:
        assert [job.name for job in plain.service.ListJobs()] == ["adder"]
        with pytest.raises(Fault) as run_refused:
            plain.service.RunJob(jobName="hello")
        assert run_refused.value.code == "soap:Client"
        assert "hello" in run_refused.value.message
        for operation in (plain.service.CancelRun, plain.service.GetRunStatus):
            with pytest.raises(Fault) as hidden:
                operation(runId=run.runId)
            assert hidden.value.code == "soap:Client"
            assert detail(hidden.value, "code") == "not_found"
    denied = runtime.audit("denied", actor=PLAIN_USER)
    assert any(event.resource == "job 'hello'" for event in denied)


def test_the_wsdl_names_the_address_the_client_used(runtime: Runtime) -> None:
    port = runtime.url.rsplit(":", 1)[1]
    with httpx.Client(base_url=runtime.url, timeout=30) as anonymous:
        answer = anonymous.get(
            "/soap/runtime", params="WSDL", headers={"Host": f"soap.test:{port}"}
        )
    assert answer.status_code == 200, answer.text
    root = etree.fromstring(answer.content)
    address = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None
    assert address.get("location") == f"http://soap.test:{port}/soap/runtime"
    states = root.xpath(
        "//xsd:simpleType[@name='RunState']//xsd:enumeration/@value", namespaces={"xsd": XSD}
    )
    assert states == [state.value for state in RunState]
    nodes = root.xpath(
        "//xsd:simpleType[@name='NodeState']//xsd:enumeration/@value", namespaces={"xsd": XSD}
    )
    assert nodes == [state.value for state in NodeState]


# --- faults, posted by hand --------------------------------------------------------------------


def test_no_or_wrong_credentials_are_a_401_fault(runtime: Runtime) -> None:
    request = envelope("ListJobs")
    with httpx.Client(base_url=runtime.url, timeout=30) as anonymous:
        answer = post(anonymous, request)
    assert answer.status_code == 401
    assert "Basic" in answer.headers["www-authenticate"]
    fault = fault_of(answer)
    assert fault["faultcode"] == "soap:Client"
    assert fault["code"] == "unauthenticated"
    assert "credentials" in fault["faultstring"]

    with runtime.client("admin", "wrong-password") as wrong:
        answer = post(wrong, request)
    assert answer.status_code == 401
    assert fault_of(answer)["faultcode"] == "soap:Client"


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        ("<soap:Envelope", "malformed_body", "not well-formed XML"),
        ("", "malformed_body", "empty"),
        (
            '<!DOCTYPE x [<!ENTITY big "aaaa">]>' + envelope("ListJobs").split("?>", 1)[1],
            "malformed_body",
            "DOCTYPE",
        ),
        ("<order><item/></order>", "malformed_body", "not a SOAP 1.1 Envelope"),
        (envelope("GetRunStatus", "<b:runId>abc</b:runId>"), "malformed_body", "'abc'"),
        (envelope("GetRunStatus", "<b:runId>0</b:runId>"), "malformed_body", "runId"),
        (envelope("GetRunStatus"), "malformed_body", "runId"),
        (envelope("GetRunStatus", "<runId>1</runId>"), "malformed_body", NS),
        (
            envelope("RunJob", "<b:jobName>x</b:jobName><b:waitSeconds>soon</b:waitSeconds>"),
            "malformed_body",
            "waitSeconds",
        ),
        (envelope("LaunchMissiles"), "malformed_body", "unknown operation 'LaunchMissiles'"),
        (envelope("GetRunStatus", "<b:runId>987654</b:runId>"), "not_found", "987654"),
    ],
    ids=[
        "malformed",
        "empty",
        "doctype",
        "not-an-envelope",
        "run-id-abc",
        "run-id-zero",
        "run-id-missing",
        "unqualified",
        "wait-not-a-number",
        "unknown-operation",
        "no-such-run",
    ],
)
def test_bad_requests_are_client_faults(
    runtime: Runtime, content: str, code: str, words: str
) -> None:
    with runtime.admin() as admin:
        answer = post(admin, content)
    assert answer.status_code == 500, answer.text  # SOAP 1.1 over HTTP: faults are 500
    fault = fault_of(answer)
    assert fault["faultcode"] == "soap:Client", fault
    assert fault["code"] == code, fault
    assert words in fault["faultstring"], fault


def test_a_wrong_type_names_its_element(runtime: Runtime) -> None:
    with runtime.admin() as admin:
        answer = post(admin, envelope("GetRunLog", "<b:runId>1</b:runId><b:afterId>x</b:afterId>"))
    fault = fault_of(answer)
    assert fault["field"] == "afterId"
    assert fault["faultstring"].startswith("GetRunLog: Element 'afterId': 'x' is not a valid")


def test_other_envelopes_headers_and_methods_are_refused(runtime: Runtime) -> None:
    soap12 = envelope("ListJobs").replace(SOAP, "http://www.w3.org/2003/05/soap-envelope")
    must = '<x:Security xmlns:x="urn:x" soap:mustUnderstand="1"/>'
    with runtime.admin() as admin:
        mismatch = fault_of(post(admin, soap12))
        assert mismatch["faultcode"] == "soap:VersionMismatch"
        assert "SOAP 1.2" in mismatch["faultstring"]

        answer = post(admin, envelope("ListJobs", header=must))
        assert answer.status_code == 500
        understood = fault_of(answer)
        assert understood["faultcode"] == "soap:MustUnderstand"
        assert "'Security'" in understood["faultstring"]
        optional = '<x:Trace xmlns:x="urn:x" soap:mustUnderstand="0"/>'
        assert post(admin, envelope("ListJobs", header=optional)).status_code == 200

        too_big = envelope("ListJobs", "<!--" + "x" * (1024 * 1024) + "-->")
        answer = post(admin, too_big)
        assert answer.status_code == 413
        assert fault_of(answer)["code"] == "body_too_large"

        answer = admin.put("/soap/runtime", content=envelope("ListJobs"))
        assert answer.status_code == 405
        assert "POST" in fault_of(answer)["faultstring"]
        answer = admin.get("/soap/runtime")
        assert answer.status_code == 405
        assert "?wsdl" in fault_of(answer)["faultstring"]


def test_characters_xml_cannot_carry_are_replaced(runtime: Runtime) -> None:
    job = {**ADDER, "name": "noisy", "description": "\x1b[1mbold\x1b[0m"}
    with runtime.admin() as admin:
        runtime.save(admin, job)
    with admin_client(runtime) as client:
        (noisy,) = client.service.ListJobs()
    assert noisy.description == "\ufffd[1mbold\ufffd[0m"
