"""The Design Server: storing, checking, comparing and explaining jobs, for the API and the CLI.

The service layer over the content store (``registry.jobs``), the document loader
(``documents``), validation (``validation``) and variable extraction (``components``):

- :func:`save` reads a document (YAML, JSON or parsed data), stores it as a new version (a job
  with errors is stored too, as a draft that cannot run) and returns the version with the
  validation's issues;
- :func:`read_job` reads a stored version back as a :class:`~baton.jobs.model.Job`;
- :func:`check` validates a job as a principal (the author) sees the registry;
- :func:`diff` compares two jobs: a unified text diff of their YAML and what changed, by node,
  edge and variable;
- :func:`variables` lists a job's variables and each node's ports.

Every function that acts for a principal checks that principal's rights itself (the API also
checks them before it reads a request's body): creating needs the ``design_jobs`` capability,
reading ``read`` on the job, changing it ``write``, deleting it or breaking another user's lock
``administer`` (on the job, or the capability).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy.orm import Session

from baton.errors import InvalidJobDocument, NotFound, PermissionDenied
from baton.jobs.components import RegistryComponents
from baton.jobs.documents import job_of, load_job, to_data, to_yaml
from baton.jobs.model import Job, Node, Variable
from baton.jobs.ports import Ports, job_ports
from baton.jobs.scopes import ComponentMissing, Components, Context
from baton.jobs.validation import Issue, errors, validate
from baton.registry import access, jobs
from baton.registry.access import Principal
from baton.registry.enums import Action, Capability, ResourceKind
from baton.registry.records import JobRecord, JobVersionRecord
from baton.settings import Settings

#: A document as it arrives: text (YAML or JSON), bytes, parsed JSON data, or a model.
Document = str | bytes | dict[str, Any] | Job


def parse(document: Document, *, format: str | None = None) -> Job:
    """The job of ``document`` (``format``: "yaml", "json" or None to guess, for text).

    Raises:
        InvalidJobDocument: every problem found, each with its path.
    """
    if isinstance(document, Job):
        return document
    if isinstance(document, dict):
        return job_of(document)
    return load_job(document, format=format)


def read_job(session: Session, name: str, version: int | None = None) -> Job:
    """A stored version of a job (None: its latest) as a model (the reader that
    :class:`~baton.jobs.components.RegistryComponents` is given).

    Raises:
        NotFound: no such job or version.
        InvalidJobDocument: the stored document no longer fits the model.
    """
    return job_of(jobs.get_version(session, name, version).document)


def document_yaml(document: dict[str, Any]) -> str:
    """A stored document as YAML, in the model's key order (as stored when it no longer fits
    the model)."""
    try:
        return to_yaml(job_of(document))
    except InvalidJobDocument:
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def components_for(session: Session, principal: Principal, settings: Settings) -> Components:
    """The registry's components as ``principal`` sees them (what validation asks about)."""
    return RegistryComponents(session, principal, settings, read_job)


def check(session: Session, principal: Principal, settings: Settings, job: Job) -> list[Issue]:
    """Every issue of ``job``, validated for ``principal`` as its author."""
    return validate(job, components_for(session, principal, settings))


@dataclass(frozen=True)
class Saved:
    """A version just stored, and what validation found in it.

    Attributes:
        name: the job's name.
        version: the version stored.
        issues: every issue; the version is a draft that cannot run when one is an error.
        created: the job was created by this save (its version 1).
    """

    name: str
    version: int
    issues: list[Issue]
    created: bool = False

    @property
    def valid(self) -> bool:
        """No issue is an error."""
        return not errors(self.issues)


def _require(session: Session, principal: Principal, name: str, action: Action) -> None:
    access.require(session, principal, ResourceKind.JOB, name, action)


def save(
    session: Session,
    principal: Principal,
    settings: Settings,
    document: Document,
    *,
    name: str | None = None,
    format: str | None = None,
    comment: str = "",
    create: bool | None = None,
) -> Saved:
    """Store ``document`` as a new version of job ``name`` (None: the name the document
    gives) and validate it; a document with errors is stored too (a draft).

    Args:
        create: True: a new job (version 1); False: a new version of an existing job; None:
            whichever applies.

    Raises:
        InvalidJobDocument: the document cannot be read.
        AlreadyExists: ``create`` and the job exists; NotFound: not ``create`` and it does not.
        PermissionDenied: creating without ``design_jobs``, changing without ``write``.
        JobLocked: another user holds the job's edit lock.
    """
    job = parse(document, format=format)
    target = name or job.name
    if job.name != target:
        job = job.model_copy(update={"name": target})
    exists = jobs.find(session, target) is not None
    if create is None:
        create = not exists
    data = to_data(job)
    if create:
        access.require_capability(principal, Capability.DESIGN_JOBS)
        stored = jobs.create_job(session, target, data, author=principal.name, comment=comment)
    else:
        _require(session, principal, target, Action.WRITE)
        stored = jobs.save_version(session, target, data, author=principal.name, comment=comment)
    issues = check(session, principal, settings, job)
    return Saved(target, stored.version, issues, created=create)


def get(
    session: Session, principal: Principal, name: str, version: int | None = None
) -> tuple[JobRecord, JobVersionRecord]:
    """The job (latest version, lock) and one of its versions, for a reader.

    Raises:
        PermissionDenied: no ``read`` on the job. NotFound: no such job or version.
    """
    _require(session, principal, name, Action.READ)
    return jobs.get_job(session, name), jobs.get_version(session, name, version)


def restore(
    session: Session,
    principal: Principal,
    settings: Settings,
    name: str,
    version: int,
    *,
    comment: str = "",
) -> Saved:
    """Save version ``version``'s document again as the newest (``write``), and validate it.

    Raises:
        NotFound: no such job or version. JobLocked: another user holds the lock.
    """
    _require(session, principal, name, Action.WRITE)
    stored = jobs.restore(session, name, version, author=principal.name, comment=comment)
    return Saved(name, stored.version, _check_stored(session, principal, settings, stored))


def _check_stored(
    session: Session, principal: Principal, settings: Settings, stored: JobVersionRecord
) -> list[Issue]:
    try:
        job = job_of(stored.document)
    except InvalidJobDocument as exc:  # stored before the model changed
        return [Issue("invalid_document", message, None, path) for path, message in exc.problems]
    return check(session, principal, settings, job)


def check_version(
    session: Session, principal: Principal, settings: Settings, name: str, version: int | None
) -> list[Issue]:
    """Every issue of a stored version (None: the latest), for a reader of the job."""
    _require(session, principal, name, Action.READ)
    return _check_stored(session, principal, settings, jobs.get_version(session, name, version))


def lock(session: Session, principal: Principal, name: str) -> JobRecord:
    """Take the job's edit lock (``write``); refreshes one's own."""
    _require(session, principal, name, Action.WRITE)
    return jobs.lock(session, name, principal.name)


def unlock(session: Session, principal: Principal, name: str, *, force: bool = False) -> JobRecord:
    """Release one's own lock (``write``), or with ``force`` another user's (``administer``
    on the job, or the capability).

    Raises:
        JobLocked: another user holds it and ``force`` is not given.
        PermissionDenied: ``force`` on another's lock without ``administer``.
    """
    _require(session, principal, name, Action.WRITE)
    record = jobs.get_job(session, name)
    breaking = record.locked_by is not None and record.locked_by != principal.name
    if breaking and force:
        _require(session, principal, name, Action.ADMINISTER)
    return jobs.unlock(session, name, principal.name, force=force)


def rename(session: Session, principal: Principal, name: str, new_name: str) -> JobRecord:
    """Rename the job (``write``); its grants follow."""
    _require(session, principal, name, Action.WRITE)
    return jobs.rename(session, name, new_name, user=principal.name)


def delete(session: Session, principal: Principal, name: str) -> None:
    """Delete the job with its versions (``administer``)."""
    _require(session, principal, name, Action.ADMINISTER)
    jobs.delete_job(session, name, user=principal.name)


def readable_names(session: Session, principal: Principal) -> set[str]:
    """The jobs ``principal`` may read."""
    return access.allowed_names(
        session, principal, ResourceKind.JOB, Action.READ, jobs.all_names(session)
    )


# --- comparing two jobs ----------------------------------------------------------------------


@dataclass(frozen=True)
class NodeChange:
    """A node in both jobs whose document differs; ``keys``: its keys that changed."""

    id: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class SectionChanges:
    """Names added, removed and changed in one of inputs, outputs and variables."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobDiff:
    """What differs between two jobs.

    Attributes:
        text: a unified diff of their YAML documents (empty when they are the same).
        changed: top-level keys that differ besides nodes, edges and variables (name,
            description, settings).
        nodes_added, nodes_removed: node ids, in document order (containers' nodes included).
        nodes_changed: nodes in both whose documents differ.
        edges_added, edges_removed: edges as written (``from``, ``to``, ``on``, ...).
        inputs, outputs, variables: the changes of each section.
    """

    text: str
    changed: tuple[str, ...] = ()
    nodes_added: tuple[str, ...] = ()
    nodes_removed: tuple[str, ...] = ()
    nodes_changed: tuple[NodeChange, ...] = ()
    edges_added: tuple[dict[str, Any], ...] = ()
    edges_removed: tuple[dict[str, Any], ...] = ()
    inputs: SectionChanges = field(default_factory=SectionChanges)
    outputs: SectionChanges = field(default_factory=SectionChanges)
    variables: SectionChanges = field(default_factory=SectionChanges)

    @property
    def same(self) -> bool:
        """The two jobs are the same document."""
        return not self.text

    def to_json(self) -> dict[str, Any]:
        """The diff as JSON."""

        def section(changes: SectionChanges) -> dict[str, list[str]]:
            return {
                "added": list(changes.added),
                "removed": list(changes.removed),
                "changed": list(changes.changed),
            }

        return {
            "text": self.text,
            "same": self.same,
            "changed": list(self.changed),
            "nodes": {
                "added": list(self.nodes_added),
                "removed": list(self.nodes_removed),
                "changed": [{"id": c.id, "keys": list(c.keys)} for c in self.nodes_changed],
            },
            "edges": {"added": list(self.edges_added), "removed": list(self.edges_removed)},
            "inputs": section(self.inputs),
            "outputs": section(self.outputs),
            "variables": section(self.variables),
        }


def _nodes(flow: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every node of a flow's data and of the flows inside it, by id (the first of an id)."""
    found: dict[str, dict[str, Any]] = {}
    for node in flow.get("nodes", []):
        found.setdefault(node["id"], node)
        inner = [node["body"]] if isinstance(node.get("body"), dict) else []
        inner += node.get("branches", []) if isinstance(node.get("branches"), list) else []
        for child in inner:
            for key, value in _nodes(child).items():
                found.setdefault(key, value)
    return found


def _edges(flow: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every edge of a flow's data and of the flows inside it."""
    found = list(flow.get("edges", []))
    for node in flow.get("nodes", []):
        inner = [node["body"]] if isinstance(node.get("body"), dict) else []
        inner += node.get("branches", []) if isinstance(node.get("branches"), list) else []
        for child in inner:
            found += _edges(child)
    return found


def _section(before: Mapping[str, Any], after: Mapping[str, Any]) -> SectionChanges:
    return SectionChanges(
        added=tuple(name for name in after if name not in before),
        removed=tuple(name for name in before if name not in after),
        changed=tuple(name for name in after if name in before and before[name] != after[name]),
    )


def _key(edge: Mapping[str, Any]) -> str:
    return json.dumps(edge, sort_keys=True)


def diff(a: Job, b: Job, *, labels: tuple[str, str] = ("a", "b")) -> JobDiff:
    """What changed from ``a`` to ``b`` (``labels`` name them in the text diff's header)."""
    before, after = to_data(a), to_data(b)
    text = "".join(
        difflib.unified_diff(
            to_yaml(a).splitlines(keepends=True),
            to_yaml(b).splitlines(keepends=True),
            fromfile=labels[0],
            tofile=labels[1],
        )
    )
    old_nodes, new_nodes = _nodes(before), _nodes(after)
    changed_nodes = []
    for node_id, node in new_nodes.items():
        old = old_nodes.get(node_id)
        if old is not None and old != node:
            keys = [key for key in {**old, **node} if old.get(key) != node.get(key)]
            changed_nodes.append(NodeChange(node_id, tuple(keys)))
    old_edges = {_key(edge): edge for edge in _edges(before)}
    new_edges = {_key(edge): edge for edge in _edges(after)}
    top = ("name", "description", "settings")
    return JobDiff(
        text=text,
        changed=tuple(key for key in top if before.get(key) != after.get(key)),
        nodes_added=tuple(node_id for node_id in new_nodes if node_id not in old_nodes),
        nodes_removed=tuple(node_id for node_id in old_nodes if node_id not in new_nodes),
        nodes_changed=tuple(changed_nodes),
        edges_added=tuple(edge for key, edge in new_edges.items() if key not in old_edges),
        edges_removed=tuple(edge for key, edge in old_edges.items() if key not in new_edges),
        inputs=_section(before.get("inputs", {}), after.get("inputs", {})),
        outputs=_section(before.get("outputs", {}), after.get("outputs", {})),
        variables=_section(before.get("variables", {}), after.get("variables", {})),
    )


# --- variables and ports ---------------------------------------------------------------------


def _variable(variable: Variable) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": variable.type,
        "required": variable.required,
        "default": variable.default,
        "description": variable.description,
    }
    value = getattr(variable, "value", None)  # an Output's expression
    if value is not None:
        data["value"] = value
    return data


def _node_ports(node: Node, path: str, ports: Ports | None, problem: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "kind": node.kind, "path": path}
    if ports is not None:
        data.update(ports.to_json())
    else:
        data.update({"inputs": {}, "outputs": {}, "open_inputs": False, "source": ""})
    data["problem"] = (
        {"code": problem.code, "message": problem.message} if problem is not None else None
    )
    return data


def variables(job: Job, components: Components) -> dict[str, Any]:
    """The job's inputs, outputs and variables, and each node's ports (its component's inputs
    and outputs; ``problem`` says why they are unknown, such as an unknown program)."""
    context = Context(job, components)
    return {
        "name": job.name,
        "inputs": {name: _variable(v) for name, v in job.inputs.items()},
        "outputs": {name: _variable(v) for name, v in job.outputs.items()},
        "variables": {name: _variable(v) for name, v in job.variables.items()},
        "nodes": [
            _node_ports(
                placed.node,
                placed.path,
                context.ports.get(placed.node.id),
                context.missing.get(placed.node.id),
            )
            for placed in context.placed
        ],
    }


def stored_job_ports(
    session: Session, principal: Principal, name: str, version: int | None = None
) -> Ports:
    """The ports of stored job ``name`` as a ``job`` node sees them (``read`` on it).

    Raises:
        PermissionDenied: no ``read`` on the job. NotFound: no such job or version.
    """
    _require(session, principal, name, Action.READ)
    which = f"job {name}" + (f" version {version}" if version else "")
    return job_ports(read_job(session, name, version), source=which)


def program_ports(
    session: Session, principal: Principal, settings: Settings, program: str, service: str | None
) -> Ports:
    """The ports of ``program`` on ``service`` (None: the default), read from its ``main()``
    signature; for designers (``design_jobs``) who may read or run the program.

    Raises:
        PermissionDenied: no ``design_jobs``, or neither ``read`` nor ``run`` on the program.
        NotFound: the service, library or program does not exist or cannot be read.
    """
    access.require_capability(principal, Capability.DESIGN_JOBS)
    if not any(
        access.is_allowed(session, principal, ResourceKind.PROGRAM, program, action)
        for action in (Action.READ, Action.RUN)
    ):
        raise PermissionDenied(str(Action.READ), f"{ResourceKind.PROGRAM} {program!r}")
    try:
        return components_for(session, principal, settings).program(program, service)
    except ComponentMissing as exc:
        if exc.code == "unknown_service":
            missing = NotFound("service", service or settings.dispatcher.default_service)
        else:
            missing = NotFound("program", program)
        missing.detail = exc.message  # says why: a library not served, not registered, ...
        raise missing from None
