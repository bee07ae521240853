"""Variable extraction: the inputs and outputs of the components a job uses, read from the
registry without running anything.

- a **program**: its typed ``main()`` signature, read statically with ``ast``
  (``baton.appserver.signature``): each parameter is an input (required when it has no
  default), the return value is the output ``result``; a program without ``main()`` takes any
  field and gives ``result`` of any type;
- a **job**: the inputs and outputs its stored version declares;
- an HTTP **service** node: its declared schema (``inputs`` / ``outputs``);
- a **command**: its exit code, its output, and the JSON fields it declares.

:class:`RegistryComponents` answers validation's questions (``scopes.Components``) for one
author; ``GET /api/components/...`` shows the same ports.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from baton.appserver.resolver import ProgramKind, ProgramResolver
from baton.appserver.signature import ProgramSignature, read_signature
from baton.appserver.typespec import TypeSpec, ValueType
from baton.errors import NotFound, ProgramNotFound, ProgramSourceError
from baton.jobs.model import ServiceNode
from baton.jobs.openapi import fetch_document, operation_ports
from baton.jobs.ports import OPEN_OBJECT, Port, Ports, job_ports, service_ports
from baton.jobs.scopes import ComponentMissing
from baton.jobs.types import JobType, TypeKind
from baton.registry import access, hosts, libraries, services
from baton.registry.access import Principal
from baton.registry.enums import Action, Capability, ResourceKind
from baton.settings import Settings

#: Reads a stored job's document: (session, name, version or None) -> the Job.
JobReader = Callable[[Session, str, "int | None"], object]


def type_of_spec(spec: TypeSpec | None) -> JobType:
    """The job type of a program's parameter or return type."""
    if spec is None:
        return JobType.ANY
    if spec.type is ValueType.LIST:
        items = JobType.of(TypeKind(spec.items.value)) if spec.items is not None else None
        return JobType.list_of(items)
    if spec.type is ValueType.OBJECT:
        return OPEN_OBJECT
    if spec.type is ValueType.NULL:
        return JobType.NULL
    return JobType.of(TypeKind(spec.type.value))


def program_ports(signature: ProgramSignature, source: str = "") -> Ports:
    """A program's ports from its ``main()`` signature."""
    if not signature.has_main:
        return Ports(outputs={"result": JobType.ANY}, open_inputs=True, source=source)
    inputs = {
        parameter.name: Port(
            type_of_spec(parameter.spec), parameter.required, parameter.description
        )
        for parameter in signature.parameters
    }
    return Ports(
        inputs=inputs,
        outputs={"result": type_of_spec(signature.returns)},
        open_inputs=signature.accepts_extra,
        source=source,
    )


class RegistryComponents:
    """The components of the registry, as ``principal`` (the author) sees them.

    Args:
        session: an open registry session (read only).
        principal: the author whose rights ``may_run`` checks.
        settings: the installation's settings (the default service, configured services).
        read_job: reads a stored job (``registry.jobs``); it raises ``NotFound``.
    """

    def __init__(
        self,
        session: Session,
        principal: Principal,
        settings: Settings,
        read_job: JobReader,
    ) -> None:
        self._session = session
        self._principal = principal
        self._settings = settings
        self._read_job = read_job
        self._documents: dict[str, dict[str, object]] = {}
        # One validation asks about the same program (and right) once per node using it.
        self._programs: dict[tuple[str, str | None], Ports | ComponentMissing] = {}
        self._rights: dict[tuple[str, str], bool] = {}

    def _service_libraries(self, service: str | None) -> tuple[str, list[str]]:
        name = service or self._settings.dispatcher.default_service
        configured = self._settings.dispatcher.services.get(name)
        if configured is not None:
            return name, list(configured.get("libraries", []))
        try:
            record = services.get_service(self._session, name)
        except NotFound:
            raise ComponentMissing("unknown_service", f"service {name!r} does not exist") from None
        return name, list(record.libraries)

    def program(self, program: str, service: str | None) -> Ports:
        known = self._programs.get((program, service))
        if known is None:
            try:
                known = self._program(program, service)
            except ComponentMissing as exc:
                known = exc
            self._programs[(program, service)] = known
        if isinstance(known, ComponentMissing):
            raise known
        return known

    def _program(self, program: str, service: str | None) -> Ports:
        name, served = self._service_libraries(service)
        library = program.partition(".")[0]
        if library not in served:
            message = f"service {name!r} does not serve library {library!r} of {program!r}"
            raise ComponentMissing("unknown_program", message)
        folder = libraries.find(self._session, library)
        if folder is None:
            message = f"library {library!r} of {program!r} is not registered"
            raise ComponentMissing("unknown_program", message)
        try:
            resolved = ProgramResolver({library: folder.path}).resolve(program)
        except ProgramNotFound:
            message = f"program {program!r} does not exist in library {library!r}"
            raise ComponentMissing("unknown_program", message) from None
        if resolved.kind is not ProgramKind.PYTHON:
            return Ports(outputs={"result": JobType.ANY}, open_inputs=True, source="executable")
        try:
            signature = read_signature(resolved.path, name=program)
        except ProgramSourceError as exc:
            raise ComponentMissing("unknown_program", exc.detail) from None
        return program_ports(signature, source=f"main() of {program}")

    def job(self, name: str, version: int | None) -> Ports:
        try:
            stored = self._read_job(self._session, name, version)
        except NotFound:
            which = f"version {version} of job {name!r}" if version else f"job {name!r}"
            raise ComponentMissing("unknown_job", f"{which} does not exist") from None
        from baton.jobs.model import Job  # noqa: PLC0415 - the reader's result

        assert isinstance(stored, Job)
        return job_ports(stored, source=f"job {name}" + (f" version {version}" if version else ""))

    def service(self, node: ServiceNode) -> Ports:
        if node.openapi is None:
            return service_ports(node)
        if node.operation is None:
            message = "a service node with an openapi document names its operation"
            raise ComponentMissing("unknown_operation", message)
        jobs = self._settings.jobs
        if node.openapi not in self._documents:
            self._documents[node.openapi] = fetch_document(
                node.openapi, jobs.openapi_hosts, jobs.openapi_timeout
            )
        return operation_ports(self._documents[node.openapi], node.operation, source=node.openapi)

    def has_host(self, name: str) -> bool:
        try:
            hosts.load(self._session, name)
        except NotFound:
            return False
        return True

    def has_library(self, name: str) -> bool:
        return libraries.find(self._session, name) is not None

    def may_run(self, kind: str, name: str) -> bool:
        known = self._rights.get((kind, name))
        if known is None:
            known = self._rights[(kind, name)] = self._may_run(kind, name)
        return known

    def _may_run(self, kind: str, name: str) -> bool:
        resource = {
            "program": ResourceKind.PROGRAM,
            "service": ResourceKind.SERVICE,
            "job": ResourceKind.JOB,
        }.get(kind)
        if resource is None:  # a command runs on a host as the spawner's account: operators'
            return self._principal.can(Capability.OPERATE)
        return access.is_allowed(self._session, self._principal, resource, name, Action.RUN)
