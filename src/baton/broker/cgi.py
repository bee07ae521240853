"""The CGI variables a service exports to its programs (``baton.program.env``), from a request.

A service names the variables it exports (``ServiceSettings.export``, a subset of
:data:`~baton.registry.specs.EXPORTABLE`); :func:`cgi_environment` gives those that have a value.
``HTTP_COOKIE`` and ``HTTP_AUTHORIZATION`` are not exportable: they hold the user's credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.types import Scope

from baton.registry.specs import EXPORTABLE

_HEADER_PREFIX = "HTTP_"


def cgi_environment(
    scope: Scope, *, user: str | None, export: Sequence[str], script_name: str
) -> dict[str, str]:
    """The exported CGI variables of one request.

    Args:
        scope: the request's ASGI HTTP scope.
        user: the authenticated user (``REMOTE_USER``), None when anonymous.
        export: the variables the service exports; a name outside ``EXPORTABLE`` is ignored.
        script_name: the broker path the client used (``/broker`` or ``/cgi-bin/broker``).

    Returns:
        Each exported variable that has a value: ``REMOTE_USER``, ``REMOTE_ADDR``/``REMOTE_PORT``
        (the client), ``REQUEST_METHOD``, ``QUERY_STRING`` (raw), ``CONTENT_TYPE``/
        ``CONTENT_LENGTH`` and ``HTTP_*`` (request headers; repeats joined with ``", "``),
        ``SCRIPT_NAME``, ``SERVER_NAME``/``SERVER_PORT`` (the listening socket),
        ``SERVER_PROTOCOL`` (``HTTP/1.1``), ``HTTPS`` (``on`` over https). Text is decoded as
        Latin-1; a value holding NUL, CR or LF is left out.
    """
    client = _address(scope.get("client"))
    server = _address(scope.get("server"))
    version = scope.get("http_version")
    scheme = scope.get("scheme")
    method = scope.get("method")
    query = scope.get("query_string")
    fixed: dict[str, Callable[[], str | None]] = {
        "REMOTE_USER": lambda: user,
        "REMOTE_ADDR": lambda: client[0],
        "REMOTE_PORT": lambda: client[1],
        "REQUEST_METHOD": lambda: method if isinstance(method, str) else None,
        "QUERY_STRING": lambda: query.decode("latin-1") if isinstance(query, bytes) else "",
        "CONTENT_TYPE": lambda: _header(scope, "content-type"),
        "CONTENT_LENGTH": lambda: _header(scope, "content-length"),
        "SCRIPT_NAME": lambda: script_name,
        "SERVER_NAME": lambda: server[0],
        "SERVER_PORT": lambda: server[1],
        "SERVER_PROTOCOL": lambda: f"HTTP/{version if isinstance(version, str) else '1.1'}",
        "HTTPS": lambda: "on" if scheme == "https" else None,
    }
    environment: dict[str, str] = {}
    for name in export:
        if name not in EXPORTABLE:
            continue
        if name in fixed:
            value = fixed[name]()
        elif name.startswith(_HEADER_PREFIX):
            # Only the dashed spelling: "X_Forwarded_For" must not pass for X-Forwarded-For.
            value = _header(scope, name[len(_HEADER_PREFIX) :].lower().replace("_", "-"))
        else:
            value = None
        if value is not None and not any(char in value for char in "\0\r\n"):
            environment[name] = value
    return environment


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode("latin-1")
    values = [
        bytes(value).decode("latin-1") for key, value in scope.get("headers", ()) if key == wanted
    ]
    return ", ".join(values) if values else None


def _address(address: object) -> tuple[str | None, str | None]:
    """``(host, port)`` of an ASGI ``client`` or ``server`` entry, either part possibly None."""
    if not isinstance(address, (tuple, list)) or len(address) != 2:
        return None, None
    host, port = address
    return (
        host if isinstance(host, str) else None,
        str(port) if isinstance(port, int) else None,
    )
