"""A service node's ports from the service's OpenAPI document (its operation, read statically).

The Design Server fetches the document only from the hosts ``jobs.openapi_hosts`` lists (none
by default: a node declares its schema instead), over HTTP or HTTPS, without following
redirects, within ``jobs.openapi_timeout`` seconds and :data:`MAX_DOCUMENT_BYTES`. The
operation named by the node's ``operation`` (its ``operationId``) gives the inputs (the
properties of its ``application/json`` request body, required as the schema says) and the
output ``json`` (the properties of its first 2xx JSON answer); local ``$ref`` references
(``#/components/schemas/...``) are followed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from baton.jobs.ports import OPEN_OBJECT, Port, Ports
from baton.jobs.scopes import ComponentMissing
from baton.jobs.types import JobType

#: The largest OpenAPI document read.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
#: How deep ``$ref`` chains and nested schemas are followed.
MAX_DEPTH = 16


def fetch_document(url: str, allowed_hosts: list[str], timeout: float) -> dict[str, Any]:
    """The OpenAPI document at ``url``.

    Raises:
        ComponentMissing: ``openapi_unavailable``, naming why (a host not allowed, no answer,
            too large, not JSON).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _unavailable(url, "it is not an http or https URL")
    host = parts.hostname
    with_port = f"{host}:{parts.port}" if parts.port else host
    if host not in allowed_hosts and with_port not in allowed_hosts:
        raise _unavailable(url, f"{with_port} is not one of jobs.openapi_hosts")
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=False) as answer:
            if answer.status_code != 200:
                raise _unavailable(url, f"it answered HTTP {answer.status_code}")
            body = b""
            for chunk in answer.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise _unavailable(url, f"it is over {MAX_DOCUMENT_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise _unavailable(url, f"it could not be fetched: {exc}") from None
    try:
        document = json.loads(body)
    except ValueError:
        raise _unavailable(url, "it is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise _unavailable(url, "it is not an OpenAPI document (no paths)")
    return document


def _unavailable(url: str, why: str) -> ComponentMissing:
    return ComponentMissing(
        "openapi_unavailable", f"the OpenAPI document {url} cannot be read: {why}"
    )


def operation_ports(document: Mapping[str, Any], operation: str, source: str = "") -> Ports:
    """The ports of ``operation`` (an operationId) of an OpenAPI document.

    Raises:
        ComponentMissing: ``unknown_operation``.
    """
    found = _find(document, operation)
    if found is None:
        message = f"the OpenAPI document has no operation {operation!r}"
        raise ComponentMissing("unknown_operation", message)
    inputs: dict[str, Port] = {}
    body = _json_schema(document, found.get("requestBody"))
    open_inputs = body is None
    if body is not None:
        required = set(body.get("required", []))
        properties = body.get("properties")
        if isinstance(properties, dict):
            for name, schema in properties.items():
                resolved = _resolve(document, schema)
                inputs[str(name)] = Port(
                    type_of_schema(document, schema),
                    required=name in required and "default" not in resolved,
                    description=str(resolved.get("description", "")),
                )
        else:
            open_inputs = True
    answer = None
    responses = found.get("responses", {})
    if isinstance(responses, dict):
        for status in sorted(str(code) for code in responses):
            if status.startswith("2"):
                answer = _json_schema(document, responses.get(status))
                if answer is not None:
                    break
    outputs = {
        "status": JobType.INTEGER,
        "json": type_of_schema(document, answer) if answer is not None else JobType.ANY,
        "headers": OPEN_OBJECT,
    }
    return Ports(inputs=inputs, outputs=outputs, open_inputs=open_inputs, source=source)


def _find(document: Mapping[str, Any], operation: str) -> Mapping[str, Any] | None:
    for item in document.get("paths", {}).values():
        if not isinstance(item, dict):
            continue
        for method, candidate in item.items():
            if (
                method in ("get", "put", "post", "delete", "patch")
                and isinstance(candidate, dict)
                and candidate.get("operationId") == operation
            ):
                return candidate
    return None


def _resolve(document: Mapping[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """``schema`` with local ``$ref`` references followed (an empty schema when broken)."""
    while isinstance(schema, dict) and "$ref" in schema and depth < MAX_DEPTH:
        reference = schema["$ref"]
        if not isinstance(reference, str) or not reference.startswith("#/"):
            return {}
        target: Any = document
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        schema, depth = target, depth + 1
    return schema if isinstance(schema, dict) else {}


def _json_schema(document: Mapping[str, Any], holder: Any) -> dict[str, Any] | None:
    """The ``application/json`` schema of a request body or an answer, if it has one."""
    holder = _resolve(document, holder)
    content = holder.get("content")
    if not isinstance(content, dict):
        return None
    for media, entry in content.items():
        if str(media).split(";")[0].strip() in ("application/json", "*/*"):
            schema = _resolve(document, entry.get("schema") if isinstance(entry, dict) else None)
            return schema or None
    return None


def type_of_schema(document: Mapping[str, Any], schema: Any, depth: int = 0) -> JobType:
    """The job type of a JSON Schema (as OpenAPI writes it)."""
    schema = _resolve(document, schema)
    if depth > MAX_DEPTH:
        return JobType.ANY
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]: the non-null one
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind == "string":
        return {"date": JobType.DATE, "date-time": JobType.DATETIME}.get(
            str(schema.get("format")), JobType.STRING
        )
    if kind == "integer":
        return JobType.INTEGER
    if kind == "number":
        return JobType.NUMBER
    if kind == "boolean":
        return JobType.BOOLEAN
    if kind == "array":
        items = schema.get("items")
        return JobType.list_of(type_of_schema(document, items, depth + 1) if items else None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties")
        if not isinstance(properties, dict) or schema.get("additionalProperties"):
            return OPEN_OBJECT
        fields = {str(k): type_of_schema(document, v, depth + 1) for k, v in properties.items()}
        return JobType.object_of(fields)
    return JobType.ANY
