"""The Design Server's API: orchestration jobs, their versions, locks and validation.

A job document is sent as JSON (``Content-Type: application/json``) or YAML
(``application/yaml``); one that cannot be read (malformed, an unknown key, a YAML alias, over
the size limit) is a 400 ``invalid_job_document`` whose ``problems`` name each one with its path.
Saving stores a new version even when validation finds errors (a draft that cannot run) and
answers with the issues.

Rights: creating a job, or validating a posted document, needs the ``design_jobs`` capability
(the creator is granted ``administer`` on the job); viewing it ``read``; saving, restoring,
locking and renaming ``write``; deleting it or breaking another user's lock ``administer`` (on
the job, or the capability). While another user holds a job's edit lock, changing, renaming and
deleting it are a 409 ``job_locked`` naming the holder.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from baton.api.deps import (
    CurrentPrincipal,
    CurrentSettings,
    Paging,
    Registry,
    capability,
    resource,
)
from baton.api.job_views import (
    Checked,
    DiffView,
    JobView,
    RenameBody,
    RestoreBody,
    RuleView,
    SavedView,
    VariablesView,
)
from baton.jobs import design
from baton.jobs.documents import job_of
from baton.jobs.model import Job, job_schema
from baton.jobs.validation import rules_documentation
from baton.registry import jobs
from baton.registry.access import Principal
from baton.registry.enums import Action, Capability, ResourceKind
from baton.registry.records import JobRecord, JobVersionInfo, Page

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

KIND = ResourceKind.JOB
Designer = Annotated[Principal, Depends(capability(Capability.DESIGN_JOBS))]
Reader = Annotated[Principal, Depends(resource(KIND, Action.READ))]
Writer = Annotated[Principal, Depends(resource(KIND, Action.WRITE))]
Owner = Annotated[Principal, Depends(resource(KIND, Action.ADMINISTER))]

JOB_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}(\.[A-Za-z][A-Za-z0-9_-]{0,63})*$"
#: A job's name in a URL path.
JobName = Annotated[
    str, Path(pattern=JOB_NAME_PATTERN, max_length=jobs.MAX_NAME, description="The job's name.")
]
Version = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="A version number; none: the latest."),
]
Comment = Annotated[
    str, Query(max_length=jobs.MAX_COMMENT, description="Why this version was saved.")
]

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})

#: The request body of the operations that take a job document.
DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A job document; its JSON Schema is GET /api/jobs/schema.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}

#: Operations that answer YAML when asked (Accept: application/yaml).
YAML_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or the YAML document with Accept: application/yaml.",
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}


async def _raw_body(request: Request) -> bytes:
    return await request.body()


async def _document_format(request: Request) -> str | None:
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return "json"
    if kind in YAML_TYPES:
        return "yaml"
    return None  # guess: JSON when it starts with "{"


RawBody = Annotated[bytes, Depends(_raw_body)]
BodyFormat = Annotated[str | None, Depends(_document_format)]


def _wants_yaml(request: Request) -> bool:
    accepted = {
        part.partition(";")[0].strip().lower()
        for part in request.headers.get("accept", "").split(",")
    }
    return bool(accepted & YAML_TYPES)


@router.get("/schema", response_model=dict[str, Any], summary="The job document's JSON Schema")
def get_schema(principal: CurrentPrincipal) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of job documents, for any signed-in user."""
    return job_schema()


@router.get("/rules", response_model=list[RuleView], summary="The validation rules")
def get_rules(principal: CurrentPrincipal) -> list[RuleView]:
    """Each validation rule and what it checks, with the codes of the issues it reports."""
    return [RuleView.model_validate(item) for item in rules_documentation()]


@router.get("", response_model=Page[JobRecord], summary="List jobs")
def list_jobs(principal: CurrentPrincipal, registry: Registry, page: Paging) -> Page[JobRecord]:
    """The jobs the caller may read, by name, with their latest version and lock."""
    with registry.session() as session:
        names = design.readable_names(session, principal)
        return jobs.list_jobs(session, names=names, limit=page.limit, offset=page.offset)


@router.post(
    "",
    response_model=SavedView,
    status_code=201,
    summary="Create a job",
    openapi_extra=DOCUMENT_BODY,
)
def create_job(
    principal: Designer,
    registry: Registry,
    settings: CurrentSettings,
    body: RawBody,
    format: BodyFormat,
    comment: Comment = "",
) -> SavedView:
    """Store a new job (named by its document) as version 1, even with errors (a draft), and
    answer with what validation found. The ``design_jobs`` capability; the creator is granted
    ``administer`` on the job."""
    with registry.session() as session:
        saved = design.save(
            session, principal, settings, body, format=format, comment=comment, create=True
        )
    return SavedView.of_saved(saved)


@router.post(
    "/validate", response_model=Checked, summary="Validate a document", openapi_extra=DOCUMENT_BODY
)
def validate_document(
    principal: Designer,
    registry: Registry,
    settings: CurrentSettings,
    body: RawBody,
    format: BodyFormat,
) -> Checked:
    """Every issue of a posted document, without storing it (``design_jobs``)."""
    job = design.parse(body, format=format)
    with registry.session() as session:
        return Checked.of(design.check(session, principal, settings, job))


@router.get("/{name}", response_model=JobView, summary="Show a job", responses=YAML_ANSWER)
def get_job(
    name: JobName, principal: Reader, registry: Registry, request: Request, version: Version = None
) -> JobView | Response:
    """A version of the job (the latest unless ``version``) with its document, author, comment
    and the job's lock; the YAML document alone with ``Accept: application/yaml``."""
    with registry.session() as session:
        job, found = design.get(session, principal, name, version)
    if _wants_yaml(request):
        return Response(design.document_yaml(found.document), media_type="application/yaml")
    return JobView.of(job, found)


@router.put(
    "/{name}", response_model=SavedView, summary="Save a new version", openapi_extra=DOCUMENT_BODY
)
def update_job(
    name: JobName,
    principal: Writer,
    registry: Registry,
    settings: CurrentSettings,
    body: RawBody,
    format: BodyFormat,
    comment: Comment = "",
) -> SavedView:
    """Store the document as the job's next version (``write``), even with errors, and answer
    with what validation found. The job keeps the name in the path, whatever the document says.
    409 ``job_locked`` while another user holds the edit lock."""
    with registry.session() as session:
        saved = design.save(
            session,
            principal,
            settings,
            body,
            name=name,
            format=format,
            comment=comment,
            create=False,
        )
    return SavedView.of_saved(saved)


@router.delete("/{name}", status_code=204, summary="Delete a job")
def delete_job(name: JobName, principal: Owner, registry: Registry) -> Response:
    """Delete the job with its versions and grants (``administer``); refused while another
    user holds its lock, or when it has runs."""
    with registry.session() as session:
        design.delete(session, principal, name)
    return Response(status_code=204)


@router.get("/{name}/versions", response_model=Page[JobVersionInfo], summary="List versions")
def list_versions(
    name: JobName, principal: Reader, registry: Registry, page: Paging
) -> Page[JobVersionInfo]:
    """The job's versions, newest first: number, author, time, comment."""
    with registry.session() as session:
        return jobs.list_versions(session, name, limit=page.limit, offset=page.offset)


@router.get("/{name}/diff", response_model=DiffView, summary="Compare two versions")
def diff_versions(
    name: JobName,
    principal: Reader,
    registry: Registry,
    source: Annotated[
        int | None,
        Query(alias="from", ge=1, le=2**31 - 1, description="Default: the one before `to`."),
    ] = None,
    target: Annotated[
        int | None, Query(alias="to", ge=1, le=2**31 - 1, description="Default: the latest.")
    ] = None,
) -> DiffView:
    """What changed from version ``from`` to version ``to``: a unified diff of their YAML and
    the nodes, edges, inputs, outputs and variables added, removed or changed."""
    with registry.session() as session:
        job, _ = design.get(session, principal, name)
        to_version = target or job.latest_version
        from_version = source or max(to_version - 1, 1)
        a = design.read_job(session, name, from_version)
        b = design.read_job(session, name, to_version)
    found = design.diff(
        a, b, labels=(f"{name} version {from_version}", f"{name} version {to_version}")
    )
    return DiffView.of(name, from_version, to_version, found)


@router.post("/{name}/restore", response_model=SavedView, summary="Restore an old version")
def restore_version(
    name: JobName,
    body: RestoreBody,
    principal: Writer,
    registry: Registry,
    settings: CurrentSettings,
) -> SavedView:
    """Save an old version's document again as the newest version (``write``)."""
    with registry.session() as session:
        saved = design.restore(
            session, principal, settings, name, body.version, comment=body.comment
        )
    return SavedView.of_saved(saved)


@router.post("/{name}/lock", response_model=JobRecord, summary="Take the edit lock")
def lock_job(name: JobName, principal: Writer, registry: Registry) -> JobRecord:
    """Take the job's edit lock (``write``); taking one's own again refreshes it. 409
    ``job_locked`` naming the holder while another user holds it."""
    with registry.session() as session:
        return design.lock(session, principal, name)


@router.delete("/{name}/lock", response_model=JobRecord, summary="Release the edit lock")
def unlock_job(
    name: JobName,
    principal: Writer,
    registry: Registry,
    force: Annotated[
        bool, Query(description="Break another user's lock (administer; audited).")
    ] = False,
) -> JobRecord:
    """Release one's own lock (``write``); another user's only with ``force=true`` and
    ``administer`` on the job or the capability (audited as ``job.unlock.force``)."""
    with registry.session() as session:
        return design.unlock(session, principal, name, force=force)


@router.post("/{name}/rename", response_model=JobRecord, summary="Rename a job")
def rename_job(name: JobName, body: RenameBody, principal: Writer, registry: Registry) -> JobRecord:
    """Give the job another name (``write``): its versions and grants follow; refused while
    another user holds its lock."""
    with registry.session() as session:
        return design.rename(session, principal, name, body.name)


@router.get("/{name}/validate", response_model=Checked, summary="Validate a version")
def validate_version(
    name: JobName,
    principal: Reader,
    registry: Registry,
    settings: CurrentSettings,
    version: Version = None,
) -> Checked:
    """Every issue of a stored version (the latest unless ``version``), as the caller sees the
    registry."""
    with registry.session() as session:
        return Checked.of(design.check_version(session, principal, settings, name, version))


@router.get("/{name}/variables", response_model=VariablesView, summary="Variables and ports")
def job_variables(
    name: JobName,
    principal: Reader,
    registry: Registry,
    settings: CurrentSettings,
    version: Version = None,
) -> VariablesView:
    """The job's inputs, outputs and variables, and each node's ports: the inputs and outputs
    of its program (``main()`` signature), sub-job, service or command."""
    with registry.session() as session:
        _, found = design.get(session, principal, name, version)
        job: Job = job_of(found.document)
        data = design.variables(job, design.components_for(session, principal, settings))
    return VariablesView.model_validate({**data, "version": found.version})
