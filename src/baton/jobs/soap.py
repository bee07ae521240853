"""The Runtime Server's SOAP 1.1 interface: ``POST /soap/runtime``, WSDL at ``?wsdl``.

Document/literal (wrapped) in the namespace ``urn:baton:runtime``. The WSDL is the file
``runtime.wsdl`` beside this module, served with its ``soap:address`` set to the URL the client
used; its schema is also what every request is validated against. The operations
(:mod:`baton.jobs.soap_operations`) do what the REST runs API does, with the same rights.

A request goes through these steps; each refusal is a SOAP 1.1 Fault whose ``detail`` holds a
``BatonFault`` (Baton's error code, the element or input it is about, each problem):

1. method: ``GET ?wsdl`` answers the WSDL (public, like the OpenAPI document); anything but
   POST otherwise is refused (405).
2. authentication: the API's own (Basic, Bearer token, or the session cookie with its CSRF
   token): 401 with the challenge, 429 when throttled.
3. body: at most ``api.max_body_bytes`` (413).
4. envelope: parsed by lxml without DTD, entity expansion or network access, and a DOCTYPE is
   refused; an envelope of another SOAP version is a ``soap:VersionMismatch`` fault, a header
   entry with ``mustUnderstand="1"`` a ``soap:MustUnderstand`` fault (no header is understood).
5. operation: the Body's one element names it, and it must fit the WSDL's schema (types,
   ranges, order), so ``<runId>abc</runId>`` is refused naming ``runId``.
6. the operation runs: Baton's errors become ``soap:Client`` faults (bad input, not allowed,
   not found, conflict) or ``soap:Server`` faults (the runtime's own failures).

Faults of steps 4 to 6 have HTTP status 500, as SOAP 1.1 over HTTP says; steps 1 to 3 keep
the status of their refusal. Every fault answer carries its envelope.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import anyio.to_thread
from lxml import etree
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from baton.api.authentication import remote_address
from baton.api.errors import AUTHENTICATE, status_of
from baton.errors import (
    AuthenticationFailed,
    BatonError,
    BodyTooLarge,
    InvalidInput,
    InvalidJobDocument,
    JobNotRunnable,
    MalformedBody,
    PermissionDenied,
    TooManyAttempts,
)
from baton.jobs.runtime import Runtime
from baton.jobs.soap_operations import NS, Operations, xml_text
from baton.registry import audit
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome

logger = logging.getLogger(__name__)

PATH = "/soap/runtime"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"
#: The SOAP 1.1 actor that means "the next SOAP node", which this endpoint is.
NEXT_ACTOR = "http://schemas.xmlsoap.org/soap/actor/next"
MEDIA_TYPE = "text/xml; charset=utf-8"
#: SOAP 1.1 fault codes (``soap:`` prefixed in the answer).
CLIENT, SERVER = "Client", "Server"
VERSION_MISMATCH, MUST_UNDERSTAND = "VersionMismatch", "MustUnderstand"

Authenticate = Callable[[Scope], Awaitable[Principal]]


class SoapFault(Exception):
    """A refusal, as the SOAP 1.1 fault that answers it.

    Attributes:
        message: the ``faultstring``: what was wrong.
        code: Baton's error code (``not_found``), in the fault's ``detail``.
        faultcode: ``Client``, ``Server``, ``VersionMismatch`` or ``MustUnderstand``.
        status: the HTTP status of the answer.
        field: the element or input the fault is about, when there is one.
        problems: each problem, when there are several.
        headers: HTTP headers of the answer (the 401 challenge, ``Retry-After``).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        faultcode: str = CLIENT,
        status: int = 500,
        field: str | None = None,
        problems: Sequence[str] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.faultcode = faultcode
        self.status = status
        self.field = field
        self.problems = list(problems)
        self.headers = headers or {}

    @classmethod
    def of(cls, error: BatonError, *, status: int = 500) -> SoapFault:
        """The fault for ``error``: ``soap:Server`` when it is Baton's own failure."""
        field = error.field if isinstance(error, InvalidInput) else None
        problems: list[str] = []
        if isinstance(error, JobNotRunnable):
            problems = list(error.problems)
        elif isinstance(error, InvalidJobDocument):
            problems = [f"{path}: {text}" if path else text for path, text in error.problems]
        headers: dict[str, str] = {}
        if isinstance(error, AuthenticationFailed):
            headers["WWW-Authenticate"] = AUTHENTICATE
        elif isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(int(error.retry_after) + 1)
        faultcode = SERVER if status_of(error) >= 500 else CLIENT
        return cls(
            error.detail,
            code=error.code,
            faultcode=faultcode,
            status=status,
            field=field,
            problems=problems,
            headers=headers,
        )

    def response(self) -> Response:
        """The HTTP answer: a SOAP 1.1 envelope holding the fault."""
        envelope, body = _envelope()
        fault = etree.SubElement(body, f"{{{SOAP11}}}Fault")
        etree.SubElement(fault, "faultcode").text = f"soap:{self.faultcode}"
        etree.SubElement(fault, "faultstring").text = xml_text(self.message)
        # SOAP 1.1 (4.4): a fault about a header entry carries no detail.
        if self.faultcode != MUST_UNDERSTAND:
            detail = etree.SubElement(etree.SubElement(fault, "detail"), f"{{{NS}}}BatonFault")
            etree.SubElement(detail, f"{{{NS}}}code").text = self.code
            if self.field is not None:
                etree.SubElement(detail, f"{{{NS}}}field").text = xml_text(self.field)
            for problem in self.problems:
                etree.SubElement(detail, f"{{{NS}}}problem").text = xml_text(problem)
        return Response(
            _serialise(envelope),
            status_code=self.status,
            headers=self.headers,
            media_type=MEDIA_TYPE,
        )


class SoapEndpoint:
    """The ASGI app at :data:`PATH` (see the module docstring).

    Args:
        runtime: the control plane's runtime.
        database: the registry.
        authenticate: the API's authentication of a request (raises when it has no valid
            credentials).
        max_body_bytes: the largest request body.
    """

    def __init__(
        self,
        runtime: Runtime,
        database: Database,
        authenticate: Authenticate,
        *,
        max_body_bytes: int,
    ) -> None:
        self.operations = Operations(runtime, database)
        self.database = database
        self.authenticate = authenticate
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._answer(request)
        except SoapFault as fault:
            response = fault.response()
        except ClientDisconnect:
            return
        except Exception:
            logger.exception("SOAP request to %s failed", request.url.path)
            response = SoapFault(
                "an unexpected error happened; it was logged",
                code="internal_error",
                faultcode=SERVER,
            ).response()
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            if any(key.lower() == "wsdl" for key in request.query_params):
                address = str(request.url.replace(query="", fragment=""))
                return Response(wsdl(address), media_type=MEDIA_TYPE)
            raise _not_allowed(f"GET {PATH} answers only ?wsdl; send SOAP requests with POST")
        if request.method != "POST":
            raise _not_allowed(f"{request.method} is not allowed: send SOAP requests with POST")
        try:
            principal = await self.authenticate(request.scope)
            body = await _read_body(request, self.max_body_bytes)
        except BatonError as error:
            raise SoapFault.of(error, status=status_of(error)) from None
        request.scope.setdefault("state", {})["principal"] = principal
        try:
            operation = parse_request(body)
            payload = await self.operations.call(principal, operation)
        except BatonError as error:
            if isinstance(error, PermissionDenied):
                await anyio.to_thread.run_sync(self._audit_denied, request, principal, error)
            raise SoapFault.of(error) from None
        envelope, soap_body = _envelope()
        soap_body.append(payload)
        return Response(_serialise(envelope), media_type=MEDIA_TYPE)

    def _audit_denied(
        self, request: Request, principal: Principal, error: PermissionDenied
    ) -> None:
        """Keep a record of refused actions, as the REST API does."""
        with self.database.session() as session:
            audit.record(
                session,
                "denied",
                actor=principal.name,
                resource=error.resource[:300],
                outcome=AuditOutcome.DENIED,
                remote_addr=remote_address(request.scope),
                detail={"action": error.action, "method": "SOAP", "path": request.url.path},
            )


def _not_allowed(message: str) -> SoapFault:
    return SoapFault(message, code="method_not_allowed", status=405, headers={"Allow": "GET, POST"})


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, or :class:`BodyTooLarge` as soon as it is over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


# --- XML ---------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    """A parser that never loads a DTD, expands an entity or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_request(body: bytes) -> etree._Element:
    """The operation element of a SOAP 1.1 request, checked against the WSDL's schema.

    Raises:
        MalformedBody: not well-formed XML, a DOCTYPE, not an envelope, no or several
            operations, or an unknown operation.
        SoapFault: a ``VersionMismatch`` or ``MustUnderstand`` fault, or an operation that
            does not fit the schema (its ``field`` names the element).
    """
    if not body.strip():
        raise MalformedBody("the request body is empty: send a SOAP 1.1 envelope")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedBody(f"the request body is not well-formed XML: {exc.msg}") from None
    info = root.getroottree().docinfo
    # Any DOCTYPE (even without an internal subset) shows as an internal DTD.
    if info.internalDTD is not None or info.externalDTD is not None:
        raise MalformedBody("a DOCTYPE is not allowed in a SOAP request")
    name = etree.QName(root)
    if name.localname == "Envelope" and name.namespace != SOAP11:
        version = "SOAP 1.2" if name.namespace == SOAP12 else f"namespace {name.namespace!r}"
        raise SoapFault(
            f"a {version} envelope; this endpoint speaks SOAP 1.1 ({SOAP11})",
            code="version_mismatch",
            faultcode=VERSION_MISMATCH,
        )
    if root.tag != f"{{{SOAP11}}}Envelope":
        raise MalformedBody(f"the document is {_shown(root)}, not a SOAP 1.1 Envelope")
    _check_headers(root)
    body_element = root.find(f"{{{SOAP11}}}Body")
    if body_element is None:
        raise MalformedBody("the SOAP Envelope has no Body")
    children = [child for child in body_element if isinstance(child.tag, str)]
    if len(children) != 1:
        raise MalformedBody(
            f"the SOAP Body holds {len(children)} elements; send one operation element"
        )
    operation = children[0]
    if operation.tag not in {f"{{{NS}}}{known}" for known in Operations.NAMES}:
        raise MalformedBody(
            f"unknown operation {_shown(operation)}; the operations are "
            f"{', '.join(Operations.NAMES)} in namespace {NS}"
        )
    _validate(operation)
    return operation


def _check_headers(envelope: etree._Element) -> None:
    header = envelope.find(f"{{{SOAP11}}}Header")
    if header is None:
        return
    for entry in header:
        if not isinstance(entry.tag, str):
            continue
        actor = entry.get(f"{{{SOAP11}}}actor", NEXT_ACTOR)
        must = entry.get(f"{{{SOAP11}}}mustUnderstand", "0").strip()
        if actor == NEXT_ACTOR and must in ("1", "true"):
            raise SoapFault(
                f"header entry {_shown(entry)} must be understood, and this endpoint "
                "understands no header entry",
                code="must_understand",
                faultcode=MUST_UNDERSTAND,
            )


def _validate(operation: etree._Element) -> None:
    schema = _schema()
    if schema.validate(operation):
        return
    log: Any = schema.error_log  # lxml-stubs do not describe the error log
    entry = log.filter_from_errors()[0]
    message = str(entry.message).replace(f"{{{NS}}}", "")
    if any(isinstance(e.tag, str) and not e.tag.startswith(f"{{{NS}}}") for e in operation.iter()):
        message += f" (every element of the operation is in namespace {NS})"
    fault = SoapFault.of(MalformedBody(f"{etree.QName(operation).localname}: {message}"))
    # The schema's path to the offending element (/b:RunJob/b:waitSeconds): its name.
    fault.field = str(entry.path or "").rsplit("/", 1)[-1].rpartition(":")[2] or None
    raise fault


def _shown(element: etree._Element) -> str:
    name = etree.QName(element)
    return f"{name.localname!r}" + (f" (namespace {name.namespace})" if name.namespace else "")


def _envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11, "b": NS})
    return envelope, etree.SubElement(envelope, f"{{{SOAP11}}}Body")


def _serialise(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="utf-8")


# --- the WSDL ----------------------------------------------------------------------------------


@cache
def _template() -> etree._Element:
    source = files("baton.jobs").joinpath("runtime.wsdl").read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(source, parser)


@cache
def _schema() -> etree.XMLSchema:
    schema = _template().find(f"{{{WSDL}}}types/{{{XSD}}}schema")
    assert schema is not None, "runtime.wsdl has no schema"
    return etree.XMLSchema(copy.deepcopy(schema))


def wsdl(address: str) -> bytes:
    """The WSDL, its ``soap:address`` set to ``address``."""
    root = copy.deepcopy(_template())
    location = root.find(f".//{{{WSDL_SOAP}}}address")
    assert location is not None, "runtime.wsdl has no soap:address"
    location.set("location", xml_text(address))
    return _serialise(root)
