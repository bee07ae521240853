"""An HTTP client of the running control plane, for commands that act through the API.

Most ``baton`` commands work on the registry directly; a command that acts on the live state of
``baton serve`` (``baton operator``) calls its API instead, as a registry user:

- where: ``--url``, else ``http://HOST:PORT`` from the settings (``host``, ``port``; a wildcard
  address is reached on loopback);
- as whom: ``--token-file FILE`` (an API token from ``baton token create``, on the file's first
  line), else ``--user NAME`` with the password asked without echo, or read from the first line
  of standard input with ``--password-stdin``.

Error answers become the :class:`~baton.errors.BatonError` of the same code, with the server's
sentence, so they exit with the status of their class (``baton.cli.exits``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import httpx
import typer
from pydantic import BaseModel, TypeAdapter, ValidationError

from baton.errors import (
    AuthenticationFailed,
    BatonError,
    ConfigError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from baton.settings import Settings

T = TypeVar("T")

#: Error classes for answers whose code names none (the framework's own 404, 405, 422, ...).
_BY_STATUS: dict[int, type[BatonError]] = {
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: InvalidInput,
}


@dataclass(frozen=True)
class Credentials:
    """Who the command signs in as (exactly one of ``token`` and ``user`` is set)."""

    token: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def resolve(
        cls, *, token_file: Path | None, user: str | None, password_stdin: bool
    ) -> Credentials:
        """The credentials the options name.

        Raises:
            AuthenticationFailed: no credentials were named, or the token file is empty.
            ConfigError: the token file cannot be read.
        """
        if token_file is not None:
            try:
                token = token_file.read_text().splitlines()[:1]
            except OSError as exc:
                raise ConfigError(f"cannot read {token_file}: {exc.strerror}") from exc
            if not token or not token[0].strip():
                raise AuthenticationFailed(f"{token_file} holds no token")
            return cls(token=token[0].strip())
        if user is None:
            raise AuthenticationFailed(
                "credentials required: --user NAME (with --password-stdin, or typed when asked) "
                "or --token-file FILE"
            )
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = str(typer.prompt(f"Password for {user}", hide_input=True))
        return cls(user=user, password=password)


def default_url(settings: Settings) -> str:
    """Where ``baton serve`` of these settings listens, as a URL."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


class ControlPlane:
    """The API of a running control plane, signed in; use as a context manager.

    Args:
        url: its base URL.
        credentials: who to sign in as.
        timeout: seconds one call may take.
    """

    def __init__(self, url: str, credentials: Credentials, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Accept": "application/json"}
        auth: tuple[str, str] | None = None
        if credentials.token:
            headers["Authorization"] = f"Bearer {credentials.token}"
        else:
            auth = (credentials.user, credentials.password)
        self._client = httpx.Client(base_url=self.url, headers=headers, auth=auth, timeout=timeout)

    def __enter__(self) -> ControlPlane:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close its connections."""
        self._client.close()

    def call(self, method: str, path: str, answer: type[T], *, body: BaseModel | None = None) -> T:
        """Call ``path`` and read the answer as ``answer`` (a model, or ``list[Model]``).

        Raises:
            ConfigError: the control plane cannot be reached, or answers something else.
            BatonError: the error it answered, as the class of its code.
        """
        content = body.model_dump_json().encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            response = self._client.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise ConfigError(
                f"cannot reach the control plane at {self.url} ({exc}); is `baton serve` "
                "running? (--url names another)",
                key="url",
            ) from exc
        if response.status_code >= 400:
            raise remote_error(response)
        try:
            return TypeAdapter(answer).validate_json(response.content)
        except ValidationError as exc:
            raise ConfigError(
                f"{self.url} answered {method} {path} with something else than Baton's API",
                key="url",
            ) from exc


def remote_error(response: httpx.Response) -> BatonError:
    """The error an API answer describes, as the class of its code (or of its status)."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("error", "") if isinstance(body, dict) else ""
    detail = body.get("detail", "") if isinstance(body, dict) else ""
    if isinstance(detail, list):  # request validation: the fields that were wrong
        detail = "; ".join(
            f"{problem.get('field', '?')}: {problem.get('message', '')}"
            for problem in detail
            if isinstance(problem, dict)
        )
    sentence = str(detail) or f"the control plane answered HTTP {response.status_code}"
    cls = _class_of(code) or _BY_STATUS.get(response.status_code, BatonError)
    error = cls.__new__(cls)
    BatonError.__init__(error, sentence)  # the server's sentence; its fields stay there
    return error


def _class_of(code: str) -> type[BatonError] | None:
    pending: list[type[BatonError]] = [BatonError]
    while pending:
        cls = pending.pop()
        if cls.code == code and cls.__module__ == BatonError.__module__:
            return cls
        pending.extend(cls.__subclasses__())
    return None
