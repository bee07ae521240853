"""The program catalog: the programs a user may run, each with the form its ``main()`` makes.

``GET /api/programs`` lists the programs of every registered library that the caller may
``run`` (on the program, ``library.*``, or the library), with a summary and the services that
serve the library; ``GET /api/programs/{library.name}`` adds the typed signature that the web
client draws its form from, and the broker address the form posts to. A program the caller may
not run is a 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from baton.api.deps import NAME_PATTERN, CurrentPrincipal, CurrentSettings, Paging, Registry
from baton.appserver.catalog import CatalogEntry, ProgramCatalog
from baton.appserver.resolver import canonical_name
from baton.errors import NotFound, ProgramNotFound
from baton.registry import access, libraries, services
from baton.registry.access import Principal
from baton.registry.enums import Action, ResourceKind
from baton.registry.records import Page
from baton.settings import Settings

router = APIRouter(prefix="/api/programs", tags=["programs"])

#: Signatures are read once per file version, for every app of the process.
CATALOG = ProgramCatalog()

ProgramName = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}\.[A-Za-z][A-Za-z0-9_]{0,63}$",
        max_length=129,
        description="The program: library.name.",
    ),
]


class ProgramSummary(BaseModel):
    """A program in the catalog."""

    name: str = Field(description="library.name: what _PROGRAM says.")
    library: str
    program: str = Field(description="Its name inside the library.")
    kind: str = Field(description="python (in-process, typed main()) or executable.")
    summary: str = Field(description="The first paragraph of its docstring.")
    services: list[str] = Field(description="The enabled services that serve its library.")


class ProgramDetail(ProgramSummary):
    """A program with what its form needs."""

    signature: dict[str, Any] | None = Field(
        description="main()'s typed parameters and result (Python programs whose source "
        "parses); none for executables, which take any fields."
    )
    problem: str = Field(description="Why a Python program has no signature, if it has none.")
    broker: str = Field(description="The broker address a form posts _PROGRAM and fields to.")


def _serving(session: Session, settings: Settings) -> dict[str, list[str]]:
    """Each library's enabled services, ``baton.toml``'s winning over the registry's."""
    configured = settings.dispatcher.services
    by_library: dict[str, list[str]] = {}
    for record in services.list_services(session, limit=1000).items:
        if record.name not in configured and record.enabled:
            for library in record.libraries:
                by_library.setdefault(library, []).append(record.name)
    for name, fields in configured.items():
        if fields.get("enabled", True):
            for library in fields.get("libraries", []):
                by_library.setdefault(str(library), []).append(name)
    return {library: sorted(names) for library, names in by_library.items()}


def _summary(entry: CatalogEntry, serving: dict[str, list[str]]) -> ProgramSummary:
    return ProgramSummary(
        name=entry.name,
        library=entry.library,
        program=entry.program,
        kind=str(entry.kind),
        summary=entry.summary,
        services=serving.get(entry.library, []),
    )


def _may_run(session: Session, principal: Principal, program: str) -> bool:
    return access.is_allowed(session, principal, ResourceKind.PROGRAM, program, Action.RUN)


@router.get("", response_model=Page[ProgramSummary], summary="Programs I may run")
def list_programs(
    principal: CurrentPrincipal,
    registry: Registry,
    settings: CurrentSettings,
    page: Paging,
    library: Annotated[
        str | None, Query(pattern=NAME_PATTERN, max_length=64, description="Only this library's.")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Only programs whose name or summary contains this."),
    ] = None,
) -> Page[ProgramSummary]:
    """The programs of the registered libraries that the caller may ``run``, by name."""
    with registry.session() as session:
        serving = _serving(session, settings)
        registered = libraries.list_libraries(session, limit=10_000).items
        found: list[ProgramSummary] = []
        for record in registered:
            if library is not None and record.name != library:
                continue
            for entry in CATALOG.programs(record.name, record.path):
                summary = _summary(entry, serving)
                if q and q.lower() not in f"{entry.name} {summary.summary}".lower():
                    continue
                if _may_run(session, principal, entry.name):
                    found.append(summary)
    window = found[page.offset : page.offset + page.limit]
    return Page(items=window, total=len(found), limit=page.limit, offset=page.offset)


@router.get("/{program}", response_model=ProgramDetail, summary="A program and its form")
def get_program(
    program: ProgramName, principal: CurrentPrincipal, registry: Registry, settings: CurrentSettings
) -> ProgramDetail:
    """One program the caller may ``run``, with its typed ``main()`` signature (404 when it
    does not exist or the caller may not run it)."""
    library, name = canonical_name(program)
    with registry.session() as session:
        folder = libraries.find(session, library)
        if folder is None or not _may_run(session, principal, name):
            raise NotFound("program", name)
        try:
            entry = CATALOG.program(name, folder.path)
        except ProgramNotFound:
            raise NotFound("program", name) from None
        serving = _serving(session, settings)
    return ProgramDetail(
        **_summary(entry, serving).model_dump(),
        signature=entry.signature.to_json() if entry.signature is not None else None,
        problem=entry.problem,
        broker="/broker",
    )
