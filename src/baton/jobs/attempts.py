"""One attempt of a component node, as the engine prepares and bounds it: its inputs (the
bindings evaluated), the node with its templates rendered, and the deadline enforced."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Mapping

from baton.jobs.executors import NodeFailed
from baton.jobs.expressions import ExpressionError, evaluate, render_template
from baton.jobs.model import CommandNode, Node, ServiceNode
from baton.jobs.store import Outputs

#: Seconds an executor that ignored its deadline gets to return before it is abandoned.
ABANDON_GRACE = 5.0


def bindings(node: Node, values: Mapping[str, object]) -> Outputs:
    """A node's inputs: each binding's expression (its default when it gives null), or its
    literal value."""
    inputs: Outputs = {}
    for name, binding in node.bindings.items():
        if binding.expr is not None:
            value = evaluate(binding.expr, values)
            inputs[name] = binding.default if value is None else value
        else:
            inputs[name] = binding.value
    return inputs


def rendered(node: Node, values: Mapping[str, object]) -> Node:
    """The node with its templates rendered (executors never see expressions)."""
    if isinstance(node, CommandNode):
        return node.model_copy(
            update={
                "argv": [render_template(arg, values) for arg in node.argv],
                "env": {name: render_template(text, values) for name, text in node.env.items()},
            }
        )
    if isinstance(node, ServiceNode):
        return node.model_copy(
            update={
                "url": render_template(node.url, values),
                "headers": {
                    name: render_template(text, values) for name, text in node.headers.items()
                },
            }
        )
    return node


def within(
    call: Callable[[], Outputs], deadline: float, cancel: threading.Event, timeout: float | None
) -> Outputs:
    """Run ``call`` in a helper thread; past ``deadline`` set ``cancel``, give it
    :data:`ABANDON_GRACE` seconds to stop, and fail the attempt as timed out."""
    box: list[Outputs | BaseException] = []

    def target() -> None:
        try:
            box.append(call())
        except BaseException as exc:  # handed to the waiting thread
            box.append(exc)

    helper = threading.Thread(target=target, daemon=True, name="baton-call")
    helper.start()
    helper.join(max(0.0, deadline - time.monotonic()))
    if helper.is_alive():
        cancel.set()
        helper.join(ABANDON_GRACE)
        late = box[0] if box else None
        outputs = late.outputs if isinstance(late, NodeFailed) else None
        raise NodeFailed(f"timed out after {timeout:g} s", outputs)
    result = box[0]
    if isinstance(result, BaseException):
        if isinstance(result, NodeFailed) and result.detail == "timed out":
            raise NodeFailed(f"timed out after {timeout:g} s", result.outputs) from result
        raise result
    return result


def seconds_until(value: object) -> float:
    """Seconds from now until the datetime (or ISO text) ``value`` (0 when it is past)."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError as exc:
            raise ExpressionError(f"until gave {value!r}, not a datetime") from exc
    if not isinstance(value, datetime.datetime):
        raise ExpressionError(f"until gave {type(value).__name__}, not a datetime")
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return max(0.0, (value - datetime.datetime.now(datetime.UTC)).total_seconds())
