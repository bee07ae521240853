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
    ├── RequestError
    │   ├── BodyTooLarge             the request body is over the configured limit (HTTP 413)
    │   └── MalformedBody            the body is not what its Content-Type says (HTTP 400)
    ├── ProtocolError                a broker <-> server frame broke the protocol (HTTP 502)
    │   ├── FrameTooLarge            a frame's length is over the configured maximum
    │   ├── MalformedFrame           a frame is not what the protocol says (names kind and field)
    │   ├── UnsupportedVersion       a frame of a protocol version this side does not speak
    │   └── ConnectionLost           the connection failed under a frame (reset, broken pipe)
    ├── DispatchError
    │   ├── ProgramNotFound          ``_PROGRAM`` names no program of a known library (HTTP 404)
    │   ├── ProgramSourceError       a program's source cannot be read or parsed (HTTP 500)
    │   ├── InvalidFieldValue        a field does not fit its ``main()`` parameter (HTTP 400)
    │   ├── UnknownService           ``_SERVICE`` names no enabled service (HTTP 404)
    │   ├── SessionNotFound          ``_SESSIONID`` is unknown or expired (HTTP 404)
    │   ├── ProgramFailed            the program raised or exited with an error (HTTP 500)
    │   ├── BadProgramHeader         the program's header block is malformed (HTTP 502)
    │   ├── ServerLost               the application server died or broke the protocol (HTTP 502)
    │   │   └── ConnectionRefusedByServer  it refused the connection's HELLO (ticket) (HTTP 502)
    │   ├── RequestTimeout           the program ran past the service's timeout (HTTP 504)
    │   └── NoServerAvailable        no server took the request in time (HTTP 503, Retry-After)
    │       ├── QueueFull            ``max_queue`` requests already wait
    │       └── QueueTimeout         the request waited ``queue_timeout`` seconds
    └── SpawnError                   a server process could not be started or stopped
        ├── SpawnTimeout             it did not become ready within its start timeout
        ├── SpawnFailed              it exited, or could not be executed, while starting
        ├── LaunchRefused            the account it should run as is not allowed or not accepted
        ├── ServerUnavailable        no server of a definition became free in time (HTTP 503)
        ├── DefinitionFailed         its servers flapped; an operator must reset it (HTTP 503)
        ├── HostUnavailable          another host's spawner is away or does not answer (HTTP 503)
        └── OperatorBusy             another operator holds the operator session

Later parts add their own subtrees (``JobError``) here.
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


class DispatchError(BatonError):
    """Running a program through the Application Dispatcher failed."""

    code = "dispatch_error"


class ProgramNotFound(DispatchError):
    """``_PROGRAM`` does not name a program file inside a registered library.

    The sentence is the same whatever the cause, so a client learns nothing about the server's
    folders; ``reason`` says what was wrong, for the server's log only.
    """

    code = "program_not_found"

    def __init__(self, program: str, *, reason: str = "") -> None:
        shown = program if len(program) <= 80 else program[:80] + "..."
        super().__init__(f"program {shown!r} was not found")
        self.program = program
        self.reason = reason


class ProgramSourceError(DispatchError):
    """A program's source cannot be read or parsed; ``line`` is where, when known."""

    code = "program_source_error"

    def __init__(self, program: str, problem: str, *, line: int | None = None) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"program {program!r} cannot be read{where}: {problem}")
        self.program = program
        self.line = line


class InvalidFieldValue(DispatchError):
    """A request field does not fit the program's ``main()`` parameter of that name.

    ``expected`` says what fits (``"an integer"``), ``problem`` what came instead (``"got
    'abc'"``); the sentence is ``"year: expected an integer, got 'abc'"``.
    """

    code = "invalid_field_value"

    def __init__(self, field: str, expected: str, problem: str) -> None:
        super().__init__(f"{field}: expected {expected}, {problem}")
        self.field = field
        self.expected = expected
        self.problem = problem

    @classmethod
    def from_sentence(cls, sentence: str) -> InvalidFieldValue:
        """The error a server's ``bad_input`` sentence (``"a: expected X, got Y"``) describes."""
        field, _, rest = sentence.partition(": expected ")
        expected, _, problem = rest.partition(", ")
        return cls(field, expected or "another value", problem or sentence)


class ProtocolError(BatonError):
    """A frame between the broker and a server broke the protocol (see docs/protocol.md)."""

    code = "protocol_error"


class FrameTooLarge(ProtocolError):
    """A frame's length prefix (or an outgoing frame) is over the maximum frame size."""

    code = "frame_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"a frame of {size} bytes is over the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class MalformedFrame(ProtocolError):
    """A frame is not what the protocol says; ``kind`` and ``field`` say where, when known.

    Attributes:
        reason: what was wrong, without the location.
        kind: the frame kind (``"REQUEST"``), or None when the frame broke before its kind.
        field: the field, as a path (``"fields[2].value"``), or None for the frame as a whole.
    """

    code = "malformed_frame"

    def __init__(self, reason: str, *, kind: str | None = None, field: str | None = None) -> None:
        location = f"{kind} frame" if kind else "frame"
        if field:
            location += f", {field}"
        super().__init__(f"malformed {location}: {reason}")
        self.reason = reason
        self.kind = kind
        self.field = field


class UnsupportedVersion(ProtocolError):
    """A frame carries a protocol version this side does not speak."""

    code = "unsupported_version"

    def __init__(self, version: int, supported: tuple[int, ...]) -> None:
        versions = ", ".join(str(number) for number in supported)
        super().__init__(f"protocol version {version} is not supported (supported: {versions})")
        self.version = version
        self.supported = supported


class ConnectionLost(ProtocolError):
    """The connection failed while a frame was being sent or received (reset, broken pipe)."""

    code = "connection_lost"


class UnknownService(DispatchError):
    """``_SERVICE`` names no service, or a disabled one."""

    code = "unknown_service"

    def __init__(self, service: str) -> None:
        shown = service if len(service) <= 80 else service[:80] + "..."
        super().__init__(f"service {shown!r} was not found")
        self.service = service


class SessionNotFound(DispatchError):
    """``_SESSIONID`` names no live session of this service (unknown, expired or deleted)."""

    code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__("the session has expired or does not exist")
        self.session_id = session_id


class ProgramFailed(DispatchError):
    """The program raised, exited with an error status, or returned a value that is not JSON."""

    code = "program_failed"

    def __init__(self, program: str, problem: str) -> None:
        super().__init__(f"program {program!r} failed: {problem}")
        self.program = program
        self.problem = problem


class BadProgramHeader(DispatchError):
    """The program's header block is malformed: ``header`` names the header, ``reason`` why."""

    code = "bad_program_header"

    def __init__(self, program: str, header: str, reason: str) -> None:
        super().__init__(f"program {program!r} sent a malformed {header} header: {reason}")
        self.program = program
        self.header = header
        self.reason = reason


class ServerLost(DispatchError):
    """The application server serving the request died or broke the protocol mid-request."""

    code = "server_lost"

    def __init__(self, program: str, problem: str) -> None:
        super().__init__(f"the server running {program!r} was lost: {problem}")
        self.program = program
        self.problem = problem


class ConnectionRefusedByServer(ServerLost):
    """The application server refused the connection: it opened without a HELLO, or with one
    whose ticket the server does not accept (``reason`` is the server's sentence)."""

    code = "connection_refused"

    def __init__(self, program: str, reason: str) -> None:
        DispatchError.__init__(self, f"the server for {program!r} refused the connection: {reason}")
        self.program = program
        self.problem = reason
        self.reason = reason


class RequestTimeout(DispatchError):
    """The program ran past its deadline and was stopped."""

    code = "request_timeout"

    def __init__(self, program: str, seconds: float) -> None:
        super().__init__(f"program {program!r} ran past its timeout of {seconds:g} s")
        self.program = program
        self.seconds = seconds


class NoServerAvailable(DispatchError):
    """No server of the service took the request; retry after ``retry_after`` seconds."""

    code = "no_server_available"

    def __init__(self, service: str, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.service = service
        self.retry_after = retry_after


class QueueFull(NoServerAvailable):
    """``max_queue`` requests already wait for a server of the service."""

    code = "queue_full"

    def __init__(self, service: str, depth: int, *, retry_after: int = 5) -> None:
        super().__init__(
            service,
            f"service {service!r} is busy: {depth} requests are already waiting",
            retry_after=retry_after,
        )
        self.depth = depth


class QueueTimeout(NoServerAvailable):
    """The request waited the service's ``queue_timeout`` without getting a server."""

    code = "queue_timeout"

    def __init__(self, service: str, seconds: float, *, retry_after: int = 5) -> None:
        super().__init__(
            service,
            f"no server of service {service!r} was free within {seconds:g} s",
            retry_after=retry_after,
        )
        self.seconds = seconds


class SpawnError(BatonError):
    """A server process could not be started or stopped."""

    code = "spawn_error"


class SpawnTimeout(SpawnError):
    """A server did not become ready within its start timeout."""

    code = "spawn_timeout"

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} did not start within {seconds:g} s")
        self.what = what
        self.seconds = seconds


class SpawnFailed(SpawnError):
    """A server exited, or could not be executed, while it was starting."""

    code = "spawn_failed"

    def __init__(self, what: str, problem: str) -> None:
        super().__init__(f"{what} could not start: {problem}")
        self.what = what
        self.problem = problem


class LaunchRefused(SpawnError):
    """A server may not run as the account it names (unknown, root, wrong password, no root)."""

    code = "launch_refused"

    def __init__(self, account: str, problem: str) -> None:
        super().__init__(f"cannot launch a server as {account!r}: {problem}")
        self.account = account
        self.problem = problem


class ServerUnavailable(SpawnError):
    """No server of a definition became free within its availability timeout."""

    code = "server_unavailable"

    def __init__(self, definition: str, seconds: float, *, retry_after: int = 5) -> None:
        super().__init__(
            f"no server of definition {definition!r} became available within {seconds:g} s"
        )
        self.definition = definition
        self.seconds = seconds
        self.retry_after = retry_after


class DefinitionFailed(SpawnError):
    """A definition's servers failed too often in the flapping window; nothing restarts them."""

    code = "definition_failed"

    def __init__(self, definition: str, reason: str) -> None:
        super().__init__(
            f"definition {definition!r} is FAILED ({reason}); an operator must reset it"
        )
        self.definition = definition
        self.reason = reason


class HostUnavailable(SpawnError):
    """The spawner of another host, which should do the work, is away or does not answer."""

    code = "host_unavailable"

    def __init__(self, hosts: str | tuple[str, ...], problem: str) -> None:
        names = (hosts,) if isinstance(hosts, str) else hosts
        listed = ", ".join(repr(name) for name in names)
        verb = f"host {listed} is" if len(names) == 1 else f"hosts {listed} are"
        super().__init__(f"{verb} unavailable: {problem}")
        self.hosts = names
        self.problem = problem


class OperatorBusy(SpawnError):
    """Another operator holds the operator session."""

    code = "operator_busy"

    def __init__(self, holder: str, since: str) -> None:
        super().__init__(f"operator session held by {holder} since {since}")
        self.holder = holder
        self.since = since


class JobError(BatonError):
    """An orchestration job cannot be stored, changed or run as asked."""

    code = "job_error"


class InvalidJobDocument(JobError):
    """A job document that cannot be read: not YAML or JSON, too large, an alias, an unknown
    key or a wrong value; ``problems`` lists each one with its path."""

    code = "invalid_job_document"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        shown = "; ".join(f"{path}: {message}" if path else message for path, message in problems)
        super().__init__(f"the job document is not valid: {shown[:2000]}")
        self.problems = problems


class JobLocked(JobError):
    """Another user holds the job's edit lock."""

    code = "job_locked"

    def __init__(self, job: str, holder: str, since: str) -> None:
        super().__init__(f"job {job!r} is locked by {holder} since {since}")
        self.job = job
        self.holder = holder
        self.since = since


class JobNotRunnable(JobError):
    """The job cannot run as it stands: validation errors, or components its user may not
    run; ``problems`` lists each one."""

    code = "job_not_runnable"

    def __init__(self, job: str, problems: list[str]) -> None:
        shown = "; ".join(problems[:20]) + (
            f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        )
        super().__init__(f"job {job!r} cannot run: {shown}")
        self.job = job
        self.problems = problems


class RuntimeUnavailable(JobError):
    """The runtime cannot take runs now (no runner definition, or it is shutting down)."""

    code = "runtime_unavailable"
