"""The errors Baton raises, as one tree.

Every error that crosses a part's boundary is a :class:`BatonError`. Errors carry fields (the
name of the thing not found, the field that was invalid), not just text, so the HTTP edge and
the CLI can render them without parsing messages. The HTTP edge maps classes to statuses in one
table (``baton.api.errors``); the CLI maps them to exit codes in one table (``baton.cli.exits``).

::

    BatonError
    ├── ConfigError                  settings file or environment is wrong (unknown key, bad value)
    ├── RegistryError
    │   ├── NotFound                 no such user, group, service, ...
    │   ├── AlreadyExists            a name that must be unique is taken
    │   ├── Conflict                 the change contradicts the current state (built-in group, ...)
    │   ├── InvalidInput             a value the registry refuses (bad name, empty password, ...)
    │   ├── SchemaOutOfDate          the database needs ``baton db upgrade``
    │   └── SecretError              a stored secret cannot be decrypted (wrong or missing key)
    ├── AuthError
    │   ├── AuthenticationFailed     no, wrong or expired credentials (HTTP 401)
    │   ├── PermissionDenied         authenticated, but not allowed (HTTP 403)
    │   ├── TooManyAttempts          sign-in throttled after repeated failures (HTTP 429)
    │   └── CsrfFailed               a cookie-authenticated change without its CSRF token (HTTP 403)
    └── RequestError
        ├── BodyTooLarge             the request body is over the configured limit (HTTP 413)
        └── MalformedBody            the body is not what its Content-Type says (HTTP 400)

Later parts add their own subtrees (``SpawnError``, ``DispatchError``, ``JobError``) here.
Control signals (cancellation) are ``BaseException`` subclasses so ``except Exception`` cannot
swallow them.
"""

from __future__ import annotations


class BatonError(Exception):
    """Root of every error Baton raises on purpose.

    Attributes:
        code: a stable, machine-readable name (``"not_found"``), used in JSON error bodies.
        detail: a human-readable sentence naming what was wrong.
    """

    code = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigError(BatonError):
    """The settings file or the environment holds a wrong value or an unknown key."""

    code = "config_error"

    def __init__(self, detail: str, *, key: str | None = None) -> None:
        super().__init__(detail)
        self.key = key


class RegistryError(BatonError):
    """Something the registry (the metadata server) refused."""

    code = "registry_error"


class NotFound(RegistryError):
    """No entity of that kind has that name or id."""

    code = "not_found"

    def __init__(self, kind: str, name: str | int) -> None:
        super().__init__(f"{kind} {name!r} does not exist")
        self.kind = kind
        self.name = name


class AlreadyExists(RegistryError):
    """An entity of that kind already has that name."""

    code = "already_exists"

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name!r} already exists")
        self.kind = kind
        self.name = name


class Conflict(RegistryError):
    """The change contradicts the current state (for example, deleting a built-in group)."""

    code = "conflict"


class InvalidInput(RegistryError):
    """A value the registry refuses; ``field`` names it."""

    code = "invalid_input"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field


class SchemaOutOfDate(RegistryError):
    """The database schema is older (or newer) than this version of Baton expects."""

    code = "schema_out_of_date"

    def __init__(self, current: str | None, expected: str) -> None:
        super().__init__(
            f"the registry database is at revision {current or 'none'} but Baton needs "
            f"{expected}; run `baton db upgrade`"
        )
        self.current = current
        self.expected = expected


class SecretError(RegistryError):
    """A stored secret cannot be encrypted or decrypted (missing key file, wrong key)."""

    code = "secret_error"


class AuthError(BatonError):
    """Authentication or authorization failed."""

    code = "auth_error"


class AuthenticationFailed(AuthError):
    """No credentials, or credentials that are wrong, expired, revoked or disabled."""

    code = "unauthenticated"


class PermissionDenied(AuthError):
    """The principal is known but may not do this; ``action`` and ``resource`` say what."""

    code = "forbidden"

    def __init__(self, action: str, resource: str) -> None:
        super().__init__(f"not allowed to {action} {resource}")
        self.action = action
        self.resource = resource


class TooManyAttempts(AuthError):
    """Too many failed sign-ins for this account or address; ``retry_after`` seconds to wait."""

    code = "too_many_attempts"

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed sign-ins; try again in {int(retry_after) + 1} s")
        self.retry_after = retry_after


class CsrfFailed(AuthError):
    """A state-changing request authenticated by the session cookie lacks its CSRF token."""

    code = "csrf_failed"


class RequestError(BatonError):
    """The HTTP request itself is unusable."""

    code = "bad_request"


class BodyTooLarge(RequestError):
    """The request body is longer than the configured maximum."""

    code = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is larger than {limit} bytes")
        self.limit = limit


class MalformedBody(RequestError):
    """The body cannot be parsed as its Content-Type says."""

    code = "malformed_body"
