"""The Design Server through the API: documents, versions, diff, locks, rights, validation.

``ann`` and ``bob`` are designers (the built-in designer role), ``vic`` has no role; the
administrator has everything. Each signs in with an API token of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml

from baton.registry import roles, tokens, users
from baton.registry.enums import AuthSource, PrincipalKind
from tests.api.conftest import LiveServer

ADDER: dict[str, Any] = {
    "name": "adder",
    "description": "Adds two to a number.",
    "inputs": {"x": {"type": "integer", "required": True}},
    "outputs": {"total": {"type": "integer", "value": "nodes.add.result"}},
    "nodes": [
        {
            "id": "add",
            "kind": "program",
            "program": "sample.add",
            "bindings": {"a": "inputs.x", "b": 2},
        },
        {"id": "done", "kind": "emit", "event": "added", "bindings": {"total": "nodes.add.result"}},
    ],
    "edges": [{"from": "add", "to": "done"}],
}

ADDER_YAML = """\
name: adder
description: Adds two to a number.
inputs:
  x: {type: integer, required: true}
outputs:
  total: {type: integer, value: nodes.add.result}
nodes:
  - id: add
    kind: program
    program: sample.add
    bindings: {a: inputs.x, b: 2}
  - {id: done, kind: emit, event: added, bindings: {total: nodes.add.result}}
edges:
  - {from: add, to: done}
"""

#: Two planted mistakes: a program that does not exist, and sample.add without its ``b``.
MISTAKES: dict[str, Any] = {
    "name": "mistakes",
    "nodes": [
        {"id": "ghost", "kind": "program", "program": "sample.nosuch"},
        {"id": "add", "kind": "program", "program": "sample.add", "bindings": {"a": 1}},
    ],
    "edges": [{"from": "ghost", "to": "add"}],
}


@dataclass
class Team:
    """Signed-in clients of the administrator, two designers and a viewer."""

    live: LiveServer
    admin: httpx.Client
    ann: httpx.Client
    bob: httpx.Client
    vic: httpx.Client


@pytest.fixture
def team(live: LiveServer) -> Iterator[Team]:
    issued = {}
    with live.installation.database.session() as session:
        for name in ("ann", "bob", "vic"):
            users.create_user(session, name, password=None, auth_source=AuthSource.HOST)
        for name in ("ann", "bob"):
            roles.assign(session, "designer", PrincipalKind.USER, name)
        for name in ("admin", "ann", "bob", "vic"):
            issued[name] = tokens.create_token(session, name, "jobs", days=1, max_days=1).token
    clients = {name: live.bearer(token) for name, token in issued.items()}
    try:
        yield Team(live=live, **clients)
    finally:
        for client in clients.values():
            client.close()


def create(client: httpx.Client, document: dict[str, Any], **params: str) -> dict[str, Any]:
    response = client.post("/api/jobs", json=document, params=params)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def grant(team: Team, user: str, job: str, action: str) -> None:
    response = team.admin.post(
        "/api/permissions",
        json={
            "principal_kind": "user",
            "principal": user,
            "resource_kind": "job",
            "resource_name": job,
            "action": action,
        },
    )
    assert response.status_code == 201, response.text


# --- documents and versions --------------------------------------------------------------------


def test_create_list_get_update(team: Team) -> None:
    created = create(team.ann, ADDER, comment="first cut")
    assert created == {
        "name": "adder",
        "version": 1,
        "created": True,
        "issues": [],
        "valid": True,
    }
    listed = team.ann.get("/api/jobs").json()
    assert [(j["name"], j["latest_version"], j["owner"]) for j in listed["items"]] == [
        ("adder", 1, "ann")
    ]
    shown = team.ann.get("/api/jobs/adder").json()
    assert (shown["version"], shown["author"], shown["comment"]) == (1, "ann", "first cut")
    assert shown["document"]["nodes"][0]["program"] == "sample.add"
    assert shown["locked_by"] is None

    changed = {**ADDER, "description": "Adds two, twice."}
    updated = team.ann.put("/api/jobs/adder", json=changed, params={"comment": "twice"})
    assert updated.status_code == 200, updated.text
    assert updated.json() == {
        "name": "adder",
        "version": 2,
        "created": False,
        "issues": [],
        "valid": True,
    }
    assert team.ann.get("/api/jobs/adder").json()["document"]["description"] == "Adds two, twice."
    old = team.ann.get("/api/jobs/adder", params={"version": 1}).json()
    assert (old["version"], old["latest_version"]) == (1, 2)
    assert old["document"]["description"] == "Adds two to a number."
    versions = team.ann.get("/api/jobs/adder/versions").json()
    assert [(v["version"], v["comment"]) for v in versions["items"]] == [
        (2, "twice"),
        (1, "first cut"),
    ]
    assert team.ann.get("/api/jobs/adder", params={"version": 3}).status_code == 404
    assert team.ann.post("/api/jobs", json=ADDER).json()["error"] == "already_exists"
    assert team.admin.put("/api/jobs/nosuch", json=ADDER).status_code == 404


def test_yaml_in_and_out(team: Team) -> None:
    response = team.bob.post(
        "/api/jobs", content=ADDER_YAML, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["valid"]
    as_json = team.bob.get("/api/jobs/adder").json()["document"]
    assert as_json == ADDER
    as_yaml = team.bob.get("/api/jobs/adder", headers={"Accept": "application/yaml"})
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.text) == ADDER
    assert as_yaml.text.startswith("name: adder\n")
    # YAML back in as a new version, the name taken from the path.
    renamed_text = ADDER_YAML.replace("name: adder", "name: elsewhere")
    saved = team.bob.put(
        "/api/jobs/adder", content=renamed_text, headers={"Content-Type": "text/yaml"}
    )
    assert saved.json()["version"] == 2
    assert team.bob.get("/api/jobs/adder").json()["document"]["name"] == "adder"


@pytest.mark.parametrize(
    ("body", "content_type", "path", "message"),
    [
        ("name: [unclosed", "application/yaml", "", "not valid YAML"),
        ("a: &x [1]\nb: *x\n", "application/yaml", "", "anchors are not allowed"),
        ('{"name": "j", "name": "k"}', "application/json", "", "appears twice"),
        ("{not json", "application/json", "", "not valid JSON"),
        ("- a list\n", "application/yaml", "", "is a mapping"),
        (
            json.dumps({"name": "j", "nodes": [{"id": "a", "kind": "emit", "event": "e", "x": 1}]}),
            "application/json",
            "nodes[0]",
            "unknown key 'x'",
        ),
        (
            json.dumps({"name": "j", "nodes": [{"id": "a", "kind": "teleport"}]}),
            "application/json",
            "nodes[0]",
            "unknown node kind",
        ),
        ("name: j\nsurprise: 1\n", "application/yaml", "", "unknown key 'surprise'"),
        ("", "application/yaml", "", "is a mapping"),
        ("\xff\xfe", "application/octet-stream", "", ""),
    ],
)
def test_bad_documents_are_400_with_paths(
    team: Team, body: str, content_type: str, path: str, message: str
) -> None:
    for method, url in (("POST", "/api/jobs"), ("POST", "/api/jobs/validate")):
        response = team.ann.request(
            method, url, content=body.encode("latin-1"), headers={"Content-Type": content_type}
        )
        assert response.status_code == 400, response.text
        answer = response.json()
        assert answer["error"] == "invalid_job_document"
        assert any(
            p["path"].startswith(path) and message in p["message"] for p in answer["problems"]
        ), answer
    assert team.ann.get("/api/jobs").json()["total"] == 0


def test_deep_and_huge_documents_are_refused(team: Team) -> None:
    deep: Any = "x"
    for _ in range(80):
        deep = [deep]
    response = team.ann.post("/api/jobs", json={"name": "deep", "description": deep})
    assert response.status_code == 400
    assert "levels deep" in response.json()["detail"]
    huge = "name: huge\ndescription: " + "x" * (2 * 1024 * 1024) + "\n"
    response = team.ann.post(
        "/api/jobs", content=huge, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code in (400, 413)
    assert response.json()["error"] in ("invalid_job_document", "body_too_large")


def test_diff_between_versions(team: Team) -> None:
    create(team.ann, ADDER)
    changed = json.loads(json.dumps(ADDER))
    changed["inputs"]["y"] = {"type": "integer"}
    del changed["outputs"]["total"]
    changed["nodes"][0]["bindings"]["b"] = "inputs.y"
    changed["nodes"].append({"id": "stop", "kind": "terminate"})
    changed["edges"].append({"from": "done", "to": "stop"})
    team.ann.put("/api/jobs/adder", json=changed)
    found = team.ann.get("/api/jobs/adder/diff", params={"from": 1, "to": 2}).json()
    assert (found["from_version"], found["to_version"], found["same"]) == (1, 2, False)
    assert "-    b: 2" in found["text"] and "+    b: inputs.y" in found["text"]
    assert found["text"].startswith("--- adder version 1\n+++ adder version 2\n")
    assert found["nodes"] == {
        "added": ["stop"],
        "removed": [],
        "changed": [{"id": "add", "keys": ["bindings"]}],
    }
    assert found["edges"] == {"added": [{"from": "done", "to": "stop"}], "removed": []}
    assert found["inputs"] == {"added": ["y"], "removed": [], "changed": []}
    assert found["outputs"] == {"added": [], "removed": ["total"], "changed": []}
    assert found["changed"] == []
    # Defaults: the latest against the one before it.
    assert team.ann.get("/api/jobs/adder/diff").json()["text"] == found["text"]
    same = team.ann.get("/api/jobs/adder/diff", params={"from": 2, "to": 2}).json()
    assert same["same"] and same["text"] == ""
    assert team.ann.get("/api/jobs/adder/diff", params={"from": 1, "to": 7}).status_code == 404


def test_restore_makes_a_new_version(team: Team) -> None:
    create(team.ann, ADDER)
    team.ann.put("/api/jobs/adder", json=MISTAKES | {"name": "adder"})
    restored = team.ann.post("/api/jobs/adder/restore", json={"version": 1, "comment": "undo"})
    assert restored.status_code == 200, restored.text
    assert restored.json()["version"] == 3 and restored.json()["valid"]
    latest = team.ann.get("/api/jobs/adder").json()
    assert latest["document"] == ADDER and latest["comment"] == "undo"
    assert team.ann.post("/api/jobs/adder/restore", json={"version": 9}).status_code == 404


# --- locks ------------------------------------------------------------------------------------


def test_a_second_editor_gets_409_naming_the_holder(team: Team) -> None:
    create(team.ann, ADDER)
    grant(team, "bob", "adder", "read")
    grant(team, "bob", "adder", "write")
    locked = team.ann.post("/api/jobs/adder/lock")
    assert locked.status_code == 200, locked.text
    assert locked.json()["locked_by"] == "ann"
    assert team.ann.post("/api/jobs/adder/lock").status_code == 200  # refreshes
    for method, url, body in (
        ("POST", "/api/jobs/adder/lock", None),
        ("PUT", "/api/jobs/adder", ADDER),
        ("POST", "/api/jobs/adder/restore", {"version": 1}),
        ("POST", "/api/jobs/adder/rename", {"name": "other"}),
        ("DELETE", "/api/jobs/adder/lock", None),
    ):
        response = team.bob.request(method, url, json=body)
        assert response.status_code == 409, (method, url, response.text)
        assert response.json()["error"] == "job_locked"
        assert "locked by ann since" in response.json()["detail"]
    # Others can still read; the holder can still save.
    shown = team.bob.get("/api/jobs/adder").json()
    assert shown["locked_by"] == "ann" and shown["locked_at"] is not None
    assert team.ann.put("/api/jobs/adder", json=ADDER).status_code == 200
    # Forcing needs administer: bob has write only.
    forced = team.bob.delete("/api/jobs/adder/lock", params={"force": "true"})
    assert forced.status_code == 403
    assert team.ann.delete("/api/jobs/adder/lock").json()["locked_by"] is None
    assert team.bob.post("/api/jobs/adder/lock").json()["locked_by"] == "bob"


def test_admin_force_unlocks_and_it_is_audited(team: Team) -> None:
    create(team.ann, ADDER)
    team.ann.post("/api/jobs/adder/lock")
    refused = team.admin.delete("/api/jobs/adder/lock")
    assert refused.status_code == 409
    forced = team.admin.delete("/api/jobs/adder/lock", params={"force": "true"})
    assert forced.status_code == 200, forced.text
    assert forced.json()["locked_by"] is None
    (event,) = team.live.audit("job.unlock.force")
    assert (event.actor, event.resource, event.detail["holder"]) == ("admin", "job:adder", "ann")
    # The creator administers their own job, so may break a lock on it too.
    grant(team, "bob", "adder", "write")
    team.bob.post("/api/jobs/adder/lock")
    assert team.ann.delete("/api/jobs/adder/lock", params={"force": "true"}).status_code == 200


def test_rename_and_delete_respect_locks(team: Team) -> None:
    create(team.ann, ADDER)
    team.admin.post("/api/jobs/adder/lock")
    assert team.ann.post("/api/jobs/adder/rename", json={"name": "plus"}).status_code == 409
    assert team.ann.delete("/api/jobs/adder").status_code == 409
    team.admin.delete("/api/jobs/adder/lock")
    renamed = team.ann.post("/api/jobs/adder/rename", json={"name": "plus"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "plus"
    assert team.ann.get("/api/jobs/plus").json()["document"]["name"] == "plus"
    assert team.ann.get("/api/jobs/adder").status_code in (403, 404)
    bad = team.ann.post("/api/jobs/plus/rename", json={"name": "schema"})
    assert bad.status_code == 400
    assert team.ann.delete("/api/jobs/plus").status_code == 204
    assert team.admin.get("/api/jobs/plus").status_code == 404
    assert [e.resource for e in team.live.audit("job.delete")] == ["job:plus"]


# --- rights -----------------------------------------------------------------------------------


def test_rights_of_viewers_editors_and_owners(team: Team) -> None:
    create(team.ann, ADDER)
    # vic: no role, no grant.
    assert team.vic.post("/api/jobs", json=MISTAKES).status_code == 403
    assert team.vic.post("/api/jobs/validate", json=ADDER).status_code == 403
    assert team.vic.get("/api/jobs").json()["items"] == []
    for method, url, body in (
        ("GET", "/api/jobs/adder", None),
        ("GET", "/api/jobs/adder/versions", None),
        ("GET", "/api/jobs/adder/diff", None),
        ("GET", "/api/jobs/adder/validate", None),
        ("GET", "/api/jobs/adder/variables", None),
        ("GET", "/api/components/jobs/adder", None),
        ("PUT", "/api/jobs/adder", ADDER),
        ("POST", "/api/jobs/adder/lock", None),
        ("DELETE", "/api/jobs/adder/lock", None),
        ("POST", "/api/jobs/adder/rename", {"name": "x"}),
        ("POST", "/api/jobs/adder/restore", {"version": 1}),
        ("DELETE", "/api/jobs/adder", None),
    ):
        response = team.vic.request(method, url, json=body)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["error"] == "forbidden"
    # Read: view, not edit.
    grant(team, "vic", "adder", "read")
    assert [j["name"] for j in team.vic.get("/api/jobs").json()["items"]] == ["adder"]
    assert team.vic.get("/api/jobs/adder").status_code == 200
    assert team.vic.get("/api/jobs/adder/versions").status_code == 200
    assert team.vic.put("/api/jobs/adder", json=ADDER).status_code == 403
    assert team.vic.post("/api/jobs/adder/lock").status_code == 403
    # Bob, a designer, may create his own jobs but not touch ann's.
    assert team.bob.get("/api/jobs/adder").status_code == 403
    grant(team, "bob", "adder", "write")
    assert team.bob.put("/api/jobs/adder", json=ADDER).status_code == 200
    assert team.bob.delete("/api/jobs/adder").status_code == 403
    assert team.ann.delete("/api/jobs/adder").status_code == 204
    denied = team.live.audit("denied", actor="vic")
    assert any(e.resource == "job 'adder'" for e in denied)


def test_reference_endpoints(team: Team) -> None:
    schema = team.vic.get("/api/jobs/schema").json()
    assert schema["$schema"].endswith("2020-12/schema")
    assert "nodes" in schema["properties"]
    rules = team.vic.get("/api/jobs/rules").json()
    assert {"rule", "checks"} == set(rules[0])
    assert any("unbound_input" in rule["checks"] for rule in rules)


# --- validation and variables -----------------------------------------------------------------


def test_validate_finds_the_planted_mistakes(team: Team) -> None:
    posted = team.bob.post("/api/jobs/validate", json=MISTAKES).json()
    assert posted["valid"] is False
    codes = {(i["code"], i["node"]) for i in posted["issues"]}
    assert ("unknown_program", "ghost") in codes
    assert ("unbound_input", "add") in codes
    unbound = next(i for i in posted["issues"] if i["code"] == "unbound_input")
    assert "'b'" in unbound["message"] and unbound["path"] == "nodes[1].bindings"
    assert team.bob.get("/api/jobs").json()["total"] == 0  # validating stores nothing
    # Saved as a draft, with the same issues; validated again later.
    saved = create(team.bob, MISTAKES)
    assert saved["version"] == 1 and saved["valid"] is False
    assert saved["issues"] == posted["issues"]
    again = team.bob.get("/api/jobs/mistakes/validate").json()
    assert again["issues"] == posted["issues"]
    create(team.bob, ADDER)
    assert team.bob.get("/api/jobs/adder/validate", params={"version": 1}).json() == {
        "issues": [],
        "valid": True,
    }


def test_validation_sees_the_callers_rights(team: Team) -> None:
    """bob may not run ann's job: a job of his that calls it is not_allowed for him."""
    create(team.ann, ADDER)
    caller = {"name": "caller", "nodes": [{"id": "sub", "kind": "job", "job": "adder"}]}
    issues = team.bob.post("/api/jobs/validate", json=caller).json()["issues"]
    assert ("not_allowed", "sub") in [(i["code"], i["node"]) for i in issues]
    grant(team, "bob", "adder", "run")
    issues = team.bob.post("/api/jobs/validate", json=caller).json()["issues"]
    assert [(i["code"], i["node"]) for i in issues] == [("unbound_input", "sub")]
    caller["nodes"][0]["bindings"] = {"x": 40}
    assert team.bob.post("/api/jobs/validate", json=caller).json() == {"issues": [], "valid": True}


def test_variables_and_components(team: Team) -> None:
    create(team.ann, ADDER)
    create(team.ann, MISTAKES)
    found = team.ann.get("/api/jobs/adder/variables").json()
    assert found["version"] == 1
    assert found["inputs"]["x"]["type"] == "integer" and found["inputs"]["x"]["required"]
    assert found["outputs"]["total"]["value"] == "nodes.add.result"
    add, done = found["nodes"]
    assert (add["id"], add["kind"], add["path"], add["problem"]) == (
        "add",
        "program",
        "nodes[0]",
        None,
    )
    assert add["inputs"]["a"] == {
        "type": "integer",
        "required": True,
        "description": "the first number.",
    }
    assert add["outputs"] == {"result": "integer"}
    assert done["open_inputs"] is True
    ghost = team.ann.get("/api/jobs/mistakes/variables").json()["nodes"][0]
    assert ghost["problem"]["code"] == "unknown_program" and ghost["inputs"] == {}

    program = team.ann.get("/api/components/programs/sample.add").json()
    assert set(program["inputs"]) == {"a", "b"}
    assert program["outputs"] == {"result": "integer"}
    assert "main() of sample.add" in program["source"]
    launch = team.ann.get("/api/components/programs/sample.hello", params={"service": "launch"})
    assert launch.status_code == 200 and not launch.json()["inputs"]["name"]["required"]
    missing = team.ann.get("/api/components/programs/sample.nosuch")
    assert missing.status_code == 404 and "does not exist" in missing.json()["detail"]
    assert (
        team.ann.get(
            "/api/components/programs/sample.add", params={"service": "nosuch"}
        ).status_code
        == 404
    )
    assert team.vic.get("/api/components/programs/sample.add").status_code == 403
    sub = team.ann.get("/api/components/jobs/adder").json()
    assert sub["inputs"]["x"]["required"] and sub["outputs"] == {"total": "integer"}
    assert team.ann.get("/api/components/jobs/adder", params={"version": 5}).status_code == 404
