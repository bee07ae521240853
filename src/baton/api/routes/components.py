"""Variable extraction: the inputs and outputs of the components a job can use.

Read without running anything: a program's from its typed ``main()`` signature, a stored job's
from the variables it declares. The job designer shows them as a node's ports.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from baton.api.deps import CurrentSettings, Registry, capability, resource
from baton.api.job_views import PortsView
from baton.api.routes.jobs import JobName, Version
from baton.jobs import design
from baton.jobs.model import NAME, PROGRAM
from baton.registry.access import Principal
from baton.registry.enums import Action, Capability, ResourceKind

router = APIRouter(prefix="/api/components", tags=["jobs"])

Designer = Annotated[Principal, Depends(capability(Capability.DESIGN_JOBS))]
JobReader = Annotated[Principal, Depends(resource(ResourceKind.JOB, Action.READ))]
ProgramName = Annotated[
    str, Path(pattern=PROGRAM, max_length=129, description="The program: library.name.")
]


@router.get("/programs/{program}", response_model=PortsView, summary="A program's ports")
def program_ports(
    program: ProgramName,
    principal: Designer,
    registry: Registry,
    settings: CurrentSettings,
    service: Annotated[
        str | None,
        Query(pattern=NAME, max_length=64, description="The service; none: the default one."),
    ] = None,
) -> PortsView:
    """The inputs (``main()``'s parameters, typed, required when without a default) and the
    output ``result`` of a program on a service. The ``design_jobs`` capability, and ``read`` or
    ``run`` on the program; 404 when the service does not serve it."""
    with registry.session() as session:
        ports = design.program_ports(session, principal, settings, program, service)
    return PortsView.of(ports)


@router.get("/jobs/{name}", response_model=PortsView, summary="A job's ports")
def job_ports(
    name: JobName, principal: JobReader, registry: Registry, version: Version = None
) -> PortsView:
    """The inputs and outputs a stored job declares, as a ``job`` node that runs it sees them
    (``read`` on the job)."""
    with registry.session() as session:
        ports = design.stored_job_ports(session, principal, name, version)
    return PortsView.of(ports)
