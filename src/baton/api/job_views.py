"""What the Design Server's API answers, and the bodies it takes (besides job documents).

Pydantic models built from ``baton.jobs.design``'s results; ``/api/jobs`` and
``/api/components`` answer with them. Importing this module does not import the web framework.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from baton.jobs.design import JobDiff, Saved
from baton.jobs.ports import Ports
from baton.jobs.validation import Issue
from baton.registry.jobs import MAX_COMMENT, MAX_NAME
from baton.registry.records import JobRecord, JobVersionRecord


class View(BaseModel):
    """Base of the Design Server's answers: frozen."""

    model_config = ConfigDict(frozen=True)


class IssueView(View):
    """One thing validation found wrong with a job."""

    code: str = Field(description="The rule's stable code: unknown_program, unbound_input, ...")
    message: str
    node: str | None = Field(description="The node it is about, if any.")
    path: str = Field(description="Where in the document: nodes[2].bindings.region.")
    severity: Literal["error", "warning"] = Field(
        description="An error stops the job from running; a warning does not."
    )


def issue_views(issues: list[Issue]) -> list[IssueView]:
    """The views of validation's issues."""
    return [IssueView.model_validate(issue.to_json()) for issue in issues]


class Checked(View):
    """What validation found."""

    issues: list[IssueView]
    valid: bool = Field(description="No issue is an error: the job can run.")

    @classmethod
    def of(cls, issues: list[Issue]) -> Checked:
        views = issue_views(issues)
        return cls(issues=views, valid=not any(v.severity == "error" for v in views))


class SavedView(Checked):
    """A version just stored (a draft when it has errors), with its issues."""

    name: str
    version: int
    created: bool = Field(description="This save created the job.")

    @classmethod
    def of_saved(cls, saved: Saved) -> SavedView:
        return cls(
            name=saved.name,
            version=saved.version,
            created=saved.created,
            issues=issue_views(saved.issues),
            valid=saved.valid,
        )


class JobView(View):
    """One version of a job, with the job's state."""

    name: str
    version: int = Field(description="The version shown.")
    latest_version: int
    author: str = Field(description="Who saved this version.")
    comment: str
    created_at: datetime = Field(description="When this version was saved.")
    description: str
    owner: str | None
    locked_by: str | None = Field(description="Who holds the edit lock; null: unlocked.")
    locked_at: datetime | None
    document: dict[str, Any] = Field(description="The job document (GET /api/jobs/schema).")

    @classmethod
    def of(cls, job: JobRecord, version: JobVersionRecord) -> JobView:
        return cls(
            name=job.name,
            version=version.version,
            latest_version=job.latest_version,
            author=version.author,
            comment=version.comment,
            created_at=version.created_at,
            description=job.description,
            owner=job.owner,
            locked_by=job.locked_by,
            locked_at=job.locked_at,
            document=version.document,
        )


class NodeChangeView(View):
    id: str
    keys: list[str] = Field(description="The node's keys that differ.")


class NodeChanges(View):
    added: list[str]
    removed: list[str]
    changed: list[NodeChangeView]


class EdgeChanges(View):
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]


class SectionView(View):
    added: list[str]
    removed: list[str]
    changed: list[str]


class DiffView(View):
    """What changed from one version to another."""

    name: str
    from_version: int
    to_version: int
    same: bool
    text: str = Field(description="A unified diff of the two YAML documents.")
    changed: list[str] = Field(description="Other top-level keys that differ.")
    nodes: NodeChanges
    edges: EdgeChanges
    inputs: SectionView
    outputs: SectionView
    variables: SectionView

    @classmethod
    def of(cls, name: str, a: int, b: int, found: JobDiff) -> DiffView:
        return cls.model_validate(
            {"name": name, "from_version": a, "to_version": b, **found.to_json()}
        )


class PortView(View):
    type: str
    required: bool
    description: str


class PortsView(View):
    """A component's inputs and outputs, read without running it."""

    inputs: dict[str, PortView]
    outputs: dict[str, str] = Field(description="Output names and their types.")
    open_inputs: bool = Field(description="It takes inputs of any name besides these.")
    source: str = Field(description="Where they were read from.")

    @classmethod
    def of(cls, ports: Ports) -> PortsView:
        return cls.model_validate(ports.to_json())


class ProblemView(View):
    code: str
    message: str


class NodePortsView(PortsView):
    """A node and its ports (empty, with ``problem``, when its component cannot be read)."""

    id: str
    kind: str
    path: str
    problem: ProblemView | None


class VariableView(View):
    type: str
    required: bool
    default: Any = None
    description: str
    value: str | None = Field(None, description="An output's expression.")


class VariablesView(View):
    """A job's variables and every node's ports."""

    name: str
    version: int | None = Field(description="The version read; null: a posted document.")
    inputs: dict[str, VariableView]
    outputs: dict[str, VariableView]
    variables: dict[str, VariableView]
    nodes: list[NodePortsView]


class RuleView(View):
    rule: str
    checks: str = Field(description="What it checks, with the codes of its issues.")


class RestoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1, le=2**31 - 1, description="The version to save again.")
    comment: str = Field("", max_length=MAX_COMMENT)


class RenameBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=MAX_NAME, description="The new name.")
