"""The ports of a node: the typed variables its component takes and gives.

A component's inputs and outputs are read without running it (``components.py``): a program's
``main()`` signature, a sub-job's declared variables, a service's declared schema or OpenAPI
operation, a command's declared outputs. The kinds that are not components (``if``, ``loop``,
...) have fixed ports, given here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baton.jobs.model import (
    CommandNode,
    ForeachNode,
    Job,
    LoopNode,
    Node,
    ServiceNode,
    Variable,
    WaitNode,
)
from baton.jobs.types import JobType, parse_type

#: An object whose fields are not known (each is ``any``).
OPEN_OBJECT = JobType.object_of(None)


@dataclass(frozen=True)
class Port:
    """One input of a component.

    Attributes:
        type: the values it takes.
        required: a binding must give it (no default).
        description: what it is, for people.
    """

    type: JobType
    required: bool = False
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        """The port as JSON."""
        return {"type": str(self.type), "required": self.required, "description": self.description}


@dataclass(frozen=True)
class Ports:
    """What a node takes and gives.

    Attributes:
        inputs: its inputs by name.
        outputs: its outputs by name (``nodes.ID.NAME`` in expressions).
        open_inputs: any binding name is accepted (a command's environment, a service without a
            declared schema, a program with ``**kwargs``); undeclared ones are untyped.
        source: where the ports were read from (for people).
    """

    inputs: Mapping[str, Port] = field(default_factory=dict)
    outputs: Mapping[str, JobType] = field(default_factory=dict)
    open_inputs: bool = False
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ports as JSON (``GET /api/components/...``)."""
        return {
            "inputs": {name: port.to_json() for name, port in self.inputs.items()},
            "outputs": {name: str(kind) for name, kind in self.outputs.items()},
            "open_inputs": self.open_inputs,
            "source": self.source,
        }


def variable_type(variable: Variable) -> JobType:
    """The type of a declared variable."""
    return parse_type(variable.type)


def declared(variables: Mapping[str, Variable]) -> dict[str, JobType]:
    """The types of declared variables."""
    return {name: variable_type(variable) for name, variable in variables.items()}


def job_ports(job: Job, source: str = "") -> Ports:
    """A job's ports, as a ``job`` node that runs it sees them."""
    inputs = {
        name: Port(
            variable_type(variable),
            required=variable.required and variable.default is None,
            description=variable.description,
        )
        for name, variable in job.inputs.items()
    }
    return Ports(inputs=inputs, outputs=declared(job.outputs), source=source)


def command_ports(node: CommandNode) -> Ports:
    """A command's: its bindings are environment variables; it gives its exit code, its
    output and, with ``parse_json``, the JSON it printed (its declared fields)."""
    outputs: dict[str, JobType] = {
        "exit_code": JobType.INTEGER,
        "stdout": JobType.STRING,
        "stderr": JobType.STRING,
    }
    if node.parse_json:
        fields = declared(node.outputs)
        outputs["json"] = JobType.object_of(fields) if fields else OPEN_OBJECT
    return Ports(outputs=outputs, open_inputs=True, source="command")


def service_ports(node: ServiceNode) -> Ports:
    """A service's, from its declared schema: the body's fields are its inputs (any name when
    none is declared); it gives the HTTP status, the response's JSON and headers."""
    inputs = {
        name: Port(variable_type(v), v.required and v.default is None, v.description)
        for name, v in node.inputs.items()
    }
    fields = declared(node.outputs)
    outputs = {
        "status": JobType.INTEGER,
        "json": JobType.object_of(fields) if fields else JobType.ANY,
        "headers": OPEN_OBJECT,
    }
    return Ports(inputs=inputs, outputs=outputs, open_inputs=not inputs, source="declared schema")


def fixed_ports(node: Node, *, item: JobType | None = None) -> Ports:
    """The ports of the kinds that are not components (``item``: a foreach's collected
    value's type, when known)."""
    if isinstance(node, ForeachNode):
        return Ports(outputs={"results": JobType.list_of(item or JobType.ANY)}, source="foreach")
    if isinstance(node, LoopNode):
        return Ports(outputs={"iterations": JobType.INTEGER}, source="loop")
    if isinstance(node, WaitNode):
        outputs = {"event": OPEN_OBJECT, "file": JobType.STRING, "at": JobType.DATETIME}
        return Ports(outputs=outputs, source="wait")
    if node.kind == "emit":
        return Ports(open_inputs=True, source="emit")
    return Ports(source=node.kind)
