"""Run and node lifecycles: every pair of states is either an allowed transition or refused."""

from __future__ import annotations

import itertools

import pytest

from baton.jobs.states import (
    NODE_TERMINAL,
    RUN_ACTIVE,
    RUN_TERMINAL,
    InvalidTransition,
    NodeState,
    RunState,
    change_node_state,
    change_run_state,
)

R, N = RunState, NodeState

#: The run lifecycle as specified (written out here, not read from the module under test).
RUN_ALLOWED = {
    (R.QUEUED, R.RUNNING),
    (R.QUEUED, R.CANCELLED),
    (R.RUNNING, R.SUCCEEDED),
    (R.RUNNING, R.FAILED),
    (R.RUNNING, R.CANCELLED),
    (R.RUNNING, R.CRASHED),
    (R.CRASHED, R.QUEUED),
    (R.CRASHED, R.FAILED),
    (R.CRASHED, R.CANCELLED),
}

NODE_ALLOWED = {
    (N.PENDING, N.RUNNING),
    (N.PENDING, N.WAITING),
    (N.PENDING, N.SKIPPED),
    (N.PENDING, N.CANCELLED),
    (N.RUNNING, N.SUCCEEDED),
    (N.RUNNING, N.FAILED),
    (N.RUNNING, N.RETRYING),
    (N.RUNNING, N.WAITING),
    (N.RUNNING, N.CANCELLED),
    (N.RUNNING, N.CRASHED),
    (N.WAITING, N.RUNNING),
    (N.WAITING, N.FAILED),
    (N.WAITING, N.CANCELLED),
    (N.WAITING, N.CRASHED),
    (N.RETRYING, N.RUNNING),
    (N.RETRYING, N.CANCELLED),
    (N.RETRYING, N.FAILED),
    (N.CRASHED, N.RETRYING),
    (N.CRASHED, N.FAILED),
    (N.CRASHED, N.CANCELLED),
}


@pytest.mark.parametrize(("current", "target"), sorted(RUN_ALLOWED))
def test_allowed_run_transition(current: RunState, target: RunState) -> None:
    assert change_run_state(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    sorted(set(itertools.product(RunState, RunState)) - RUN_ALLOWED),
)
def test_forbidden_run_transition(current: RunState, target: RunState) -> None:
    with pytest.raises(InvalidTransition) as caught:
        change_run_state(current, target)
    assert caught.value.current is current
    assert caught.value.target is target
    assert str(current) in str(caught.value) and str(target) in str(caught.value)


@pytest.mark.parametrize(("current", "target"), sorted(NODE_ALLOWED))
def test_allowed_node_transition(current: NodeState, target: NodeState) -> None:
    assert change_node_state(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    sorted(set(itertools.product(NodeState, NodeState)) - NODE_ALLOWED),
)
def test_forbidden_node_transition(current: NodeState, target: NodeState) -> None:
    with pytest.raises(InvalidTransition) as caught:
        change_node_state(current, target)
    assert (caught.value.current, caught.value.target) == (current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (R.SUCCEEDED, R.RUNNING),
        (R.FAILED, R.QUEUED),
        (R.CANCELLED, R.RUNNING),
        (R.QUEUED, R.SUCCEEDED),
        (R.RUNNING, R.RUNNING),
        (R.RUNNING, R.QUEUED),
    ],
)
def test_notable_forbidden_run_transitions(current: RunState, target: RunState) -> None:
    with pytest.raises(InvalidTransition):
        change_run_state(current, target)


def test_invalid_transition_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="cannot go from SUCCEEDED to RUNNING"):
        change_run_state(R.SUCCEEDED, R.RUNNING)


def test_groups() -> None:
    assert {R.SUCCEEDED, R.FAILED, R.CANCELLED} == RUN_TERMINAL
    assert {R.QUEUED, R.RUNNING, R.CRASHED} == RUN_ACTIVE
    assert set(RunState) == RUN_TERMINAL | RUN_ACTIVE
    assert not RUN_TERMINAL & RUN_ACTIVE
    assert {N.SUCCEEDED, N.FAILED, N.SKIPPED, N.CANCELLED} == NODE_TERMINAL


def test_terminal_states_are_final_and_others_are_not() -> None:
    for state in RunState:
        leaves = {target for current, target in RUN_ALLOWED if current is state}
        assert (not leaves) == (state in RUN_TERMINAL), state
    for node_state in NodeState:
        node_leaves = {target for current, target in NODE_ALLOWED if current is node_state}
        assert (not node_leaves) == (node_state in NODE_TERMINAL), node_state


def test_crashed_is_not_failed() -> None:
    """Infrastructure death is its own state, from which a run can be resumed."""
    assert R.CRASHED not in RUN_TERMINAL
    assert change_run_state(R.CRASHED, R.QUEUED) is R.QUEUED
    assert N.CRASHED not in NODE_TERMINAL
