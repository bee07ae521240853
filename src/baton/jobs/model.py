"""The job model: an orchestration job is a document of typed variables, nodes and edges.

A job document (YAML or JSON; its JSON Schema is :func:`job_schema`, served at
``/api/jobs/schema``) names the job, declares its typed **inputs** (given when it runs), its
**outputs** (each computed from an expression when it ends) and its job-level **variables**
(assigned by ``expression`` nodes), then lists **nodes** and the **edges** between them.

Every expression is CEL (``baton.jobs.expressions``). Its scope:

- ``inputs.NAME``: the job's inputs;
- ``vars.NAME``: the job's variables;
- ``nodes.ID.OUTPUT``: an output of a node that ran before (a node's outputs are its
  component's variables: a program's ``main()`` result, a command's ``exit_code`` ...);
- inside a ``foreach`` body, the item variable (``item`` unless renamed) and ``index``; inside a
  ``loop`` body, ``iteration``.

Node kinds: ``program`` (a stored program on a dispatcher service), ``command`` (an argument
vector on a host), ``service`` (an HTTP call), ``job`` (another job), ``expression`` (assign
variables; named slots that branch), ``if``, ``parallel`` (branches run at once, joined),
``foreach`` (a body per item of a list, ``concurrency`` at a time), ``loop`` (a body again while a
condition holds, at most ``max_iterations``), ``wait`` (an event, a timer or a file), ``emit``
(raise an event) and ``terminate`` (end the job with a status). Containers hold their own
**flows** (nodes and edges); an edge never crosses a container's boundary.

Edges go ``from`` a node ``to`` another, taken ``on`` success (the default), failure, always, or
a ``condition``; an edge from an ``if`` names its slot (``then`` / ``else``), one from an
``expression`` node with slots names one of them. A node with no incoming edge starts its flow.

The model only says what a document may contain; whether it makes sense (cycles, unbound
inputs, types that do not fit, unknown programs) is the validator's job (``validation.py``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    field_validator,
)

from baton.jobs.types import parse_type

#: A variable, input, output, node or slot name: a CEL identifier.
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
#: A job's name.
JOB_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$"
#: A stored program: ``library.name``.
PROGRAM = r"^[A-Za-z][A-Za-z0-9_-]{0,63}\.[A-Za-z_][A-Za-z0-9_]{0,63}$"
#: A registry name (service, host).
NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
#: The most nodes in one flow, and in a whole document.
MAX_NODES = 500
#: The longest expression or template.
MAX_EXPRESSION = 4000

Expression = Annotated[str, Field(min_length=1, max_length=MAX_EXPRESSION)]
Identifier = Annotated[str, Field(pattern=IDENTIFIER)]


class Strict(BaseModel):
    """Unknown keys are errors (named with their path); documents are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Variable(Strict):
    """A typed variable: an input, a job variable, or a declared output of a component."""

    type: str = Field(
        "string",
        description="string, integer, number, boolean, date, datetime, object, any, list or "
        "list<TYPE>.",
        max_length=200,
    )
    description: str = Field("", max_length=1000)
    required: bool = Field(False, description="An input that must be given (no default).")
    default: Any = Field(None, description="The value when none is given.")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        parse_type(value)  # ValueError names the bad type
        return value


class Output(Variable):
    """A job output: a typed variable and the expression that computes it when the job ends."""

    value: Expression = Field(description="CEL expression evaluated when the job ends.")


def _binding(value: Any) -> Any:
    """A plain string is an expression; another plain JSON value is a literal."""
    if isinstance(value, str):
        return {"expr": value}
    if isinstance(value, dict):
        return value
    return {"value": value}


class Binding(Strict):
    """Where one input of a node gets its value: an expression, or a literal value.

    Written as a plain string (an expression: ``inputs.region``), a plain number, boolean,
    list or null (a literal), or ``{expr, default}`` / ``{value}``. A literal string is
    ``{value: "text"}``.
    """

    expr: Expression | None = Field(None, description="CEL expression for the value.")
    value: Any = Field(None, description="A literal value.")
    default: Any = Field(None, description="The value when the expression has none (null).")


#: A binding as written: an expression (a string), a literal (any other JSON value), or
#: the full form.
BindingInput = Binding | str | int | float | bool | list[Any] | None

Bindings = dict[
    Annotated[str, Field(pattern=IDENTIFIER)],
    Annotated[Binding, BeforeValidator(_binding, json_schema_input_type=BindingInput)],
]


class OnError(StrEnum):
    """What a node's failure (after its retries) does."""

    ABORT_JOB = "abort_job"
    CONTINUE = "continue"
    ABORT_FLOW = "abort_flow"


class Retry(Strict):
    """How a failed node is tried again: ``attempts`` in all, waiting ``backoff`` seconds
    first, then ``factor`` times longer each time, at most ``max_backoff``."""

    attempts: int = Field(1, ge=1, le=100)
    backoff: float = Field(1.0, ge=0, le=86400)
    factor: float = Field(2.0, ge=1, le=10)
    max_backoff: float = Field(300.0, ge=0, le=86400)


class Position(Strict):
    """Where the designer draws the node."""

    x: float = 0.0
    y: float = 0.0


class NodeBase(Strict):
    """What every node has."""

    id: Identifier = Field(description="Unique within the job; expressions say nodes.ID.")
    name: str = Field("", max_length=200, description="A label for people.")
    description: str = Field("", max_length=2000)
    bindings: Bindings = Field(default_factory=dict, description="Its inputs' values.")
    retry: Retry = Field(default_factory=Retry)
    timeout: float | None = Field(None, gt=0, le=30 * 86400, description="Seconds it may take.")
    on_error: OnError = OnError.ABORT_JOB
    disabled: bool = Field(False, description="Skipped: as if it succeeded with no outputs.")
    position: Position | None = None


class ProgramNode(NodeBase):
    """A stored program run on a dispatcher service; its ``main()`` parameters are its inputs,
    its result its outputs."""

    kind: Literal["program"]
    program: str = Field(pattern=PROGRAM, description="library.name")
    service: str | None = Field(None, pattern=NAME, description="None: the default service.")


class CommandNode(NodeBase):
    """An executable on a host, as an argument vector (never a shell string); its bindings are
    its environment variables' and templates' values."""

    kind: Literal["command"]
    argv: list[Annotated[str, Field(min_length=1, max_length=MAX_EXPRESSION)]] = Field(
        min_length=1, max_length=256, description="Arguments; {{ expr }} templates allowed."
    )
    host: str | None = Field(None, pattern=NAME, description="None: the control plane's.")
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")], str] = Field(
        default_factory=dict, description="Environment variables; templates allowed."
    )
    exit_codes: list[int] = Field(default_factory=lambda: [0], min_length=1)
    parse_json: bool = Field(False, description="Parse stdout as JSON into the output `json`.")
    outputs: dict[Identifier, Variable] = Field(
        default_factory=dict, description="Fields of the parsed JSON (with parse_json)."
    )


class ServiceNode(NodeBase):
    """An HTTP call to a real-time service; the JSON body is built from its bindings."""

    kind: Literal["service"]
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: str = Field(min_length=1, max_length=MAX_EXPRESSION, description="Template allowed.")
    headers: dict[str, str] = Field(default_factory=dict, description="Templates allowed.")
    inputs: dict[Identifier, Variable] = Field(
        default_factory=dict, description="The request body's fields (declared schema)."
    )
    outputs: dict[Identifier, Variable] = Field(
        default_factory=dict, description="The JSON response's fields (declared schema)."
    )
    openapi: str | None = Field(
        None,
        max_length=2000,
        description="URL of the service's OpenAPI document: the operation's JSON request body "
        "and answer give the node's inputs and outputs instead of the declared ones.",
    )
    operation: str | None = Field(
        None, max_length=200, description="The operationId in the OpenAPI document."
    )


class JobNode(NodeBase):
    """Another orchestration job, run as a child run."""

    kind: Literal["job"]
    job: str = Field(pattern=JOB_NAME)
    version: int | None = Field(None, ge=1, description="None: its latest version.")


class ExpressionNode(NodeBase):
    """Assigns job variables; its slots (named conditions, first true wins) branch."""

    kind: Literal["expression"]
    assign: dict[Identifier, Expression] = Field(default_factory=dict)
    slots: dict[Identifier, Expression] = Field(default_factory=dict)


class IfNode(NodeBase):
    """Takes its ``then`` or its ``else`` edges."""

    kind: Literal["if"]
    condition: Expression


class Flow(Strict):
    """Nodes and the edges between them (a job's, or a container's)."""

    nodes: list[Node] = Field(default_factory=list, max_length=MAX_NODES)
    edges: list[Edge] = Field(default_factory=list, max_length=4 * MAX_NODES)


class ParallelNode(NodeBase):
    """Runs its branches at once; succeeds when they all do."""

    kind: Literal["parallel"]
    branches: list[Flow] = Field(min_length=1, max_length=64)


class ForeachNode(NodeBase):
    """Runs its body once per item of a list, ``concurrency`` at a time; its output
    ``results`` lists each item's ``collect`` value (or the item's body outputs)."""

    kind: Literal["foreach"]
    items: Expression = Field(description="CEL expression giving a list.")
    variable: Identifier = Field("item", description="The item's name inside the body.")
    concurrency: int = Field(4, ge=1, le=1000)
    collect: Expression | None = Field(None, description="Evaluated per item, after its body.")
    body: Flow


class LoopNode(NodeBase):
    """Runs its body again while ``condition`` holds (checked before each pass)."""

    kind: Literal["loop"]
    condition: Expression
    max_iterations: int = Field(100, ge=1, le=100_000)
    body: Flow


class EventWait(Strict):
    """Wait for a named event whose payload passes ``filter``."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$")
    filter: Expression | None = Field(None, description="CEL over `event` (the payload).")


class TimerWait(Strict):
    """Wait ``seconds``, or until the datetime ``until`` evaluates to."""

    seconds: float | None = Field(None, ge=0, le=366 * 86400)
    until: Expression | None = None


class FileWait(Strict):
    """Wait for a file matching ``pattern`` in a registered folder (a program library)."""

    library: str = Field(pattern=NAME)
    pattern: str = Field(min_length=1, max_length=200)


class WaitNode(NodeBase):
    """Waits for one of an event, a timer or a file; ``timeout`` is required to run."""

    kind: Literal["wait"]
    event: EventWait | None = None
    timer: TimerWait | None = None
    file: FileWait | None = None


class EmitNode(NodeBase):
    """Raises a named event; its bindings are the payload."""

    kind: Literal["emit"]
    event: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$")


class TerminateNode(NodeBase):
    """Ends the job with ``status``."""

    kind: Literal["terminate"]
    status: Literal["succeeded", "failed", "cancelled"] = "succeeded"
    message: str = Field("", max_length=MAX_EXPRESSION, description="Template allowed.")


Node = Annotated[
    ProgramNode
    | CommandNode
    | ServiceNode
    | JobNode
    | ExpressionNode
    | IfNode
    | ParallelNode
    | ForeachNode
    | LoopNode
    | WaitNode
    | EmitNode
    | TerminateNode,
    Discriminator("kind"),
]

#: Every node kind, in the palette's order.
NODE_KINDS = (
    "program",
    "command",
    "service",
    "job",
    "expression",
    "if",
    "parallel",
    "foreach",
    "loop",
    "wait",
    "emit",
    "terminate",
)


class EdgeOn(StrEnum):
    """When an edge is taken."""

    SUCCESS = "success"
    FAILURE = "failure"
    ALWAYS = "always"
    CONDITION = "condition"


class Edge(Strict):
    """``from`` -> ``to``, taken ``on`` success, failure, always, or a condition."""

    source: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")
    on: EdgeOn = EdgeOn.SUCCESS
    condition: Expression | None = Field(None, description="With on: condition.")
    slot: Identifier | None = Field(
        None, description="From an if (then/else) or an expression node's slot."
    )


class Settings(Strict):
    """How the job runs."""

    resumable: bool = Field(True, description="A crashed run resumes on another runner.")
    max_duration: float | None = Field(None, gt=0, description="Seconds a run may take.")
    tags: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=32)


class Job(Flow):
    """A whole job document."""

    name: str = Field(pattern=JOB_NAME)
    description: str = Field("", max_length=5000)
    inputs: dict[Identifier, Variable] = Field(default_factory=dict)
    outputs: dict[Identifier, Output] = Field(default_factory=dict)
    variables: dict[Identifier, Variable] = Field(default_factory=dict)
    settings: Settings = Field(default_factory=Settings)


Flow.model_rebuild()
ParallelNode.model_rebuild()
ForeachNode.model_rebuild()
LoopNode.model_rebuild()
Job.model_rebuild()


def job_schema() -> dict[str, Any]:
    """The JSON Schema of job documents (by alias: edges say ``from`` and ``to``)."""
    schema = Job.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://baton.invalid/schemas/job.json"
    return schema
