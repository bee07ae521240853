"""The server lifecycle: every transition of ``change_server_state``, allowed or not."""

from __future__ import annotations

import itertools

import pytest

from baton.loadmanager.states import (
    ACCEPTING,
    LIVE,
    InvalidServerTransition,
    ServerState,
    change_server_state,
)

S = ServerState
#: The lifecycle as the module's docstring draws it, written out independently of its table.
ALLOWED = {
    (S.STARTING, S.IDLE),
    (S.STARTING, S.STOPPED),
    (S.IDLE, S.BUSY),
    (S.IDLE, S.DRAINING),
    (S.IDLE, S.STOPPED),
    (S.BUSY, S.IDLE),
    (S.BUSY, S.DRAINING),
    (S.BUSY, S.STOPPED),
    (S.DRAINING, S.STOPPED),
    (S.STOPPED, S.IDLE),  # an external server that answers again
}
PAIRS = list(itertools.product(ServerState, repeat=2))


@pytest.mark.parametrize(("current", "target"), [p for p in PAIRS if p in ALLOWED])
def test_allowed_transitions_return_the_target(current: S, target: S) -> None:
    assert change_server_state(current, target) is target


@pytest.mark.parametrize("state", list(ServerState))
def test_staying_in_a_state_is_allowed(state: S) -> None:
    assert change_server_state(state, state) is state


@pytest.mark.parametrize(
    ("current", "target"), [p for p in PAIRS if p not in ALLOWED and p[0] is not p[1]]
)
def test_forbidden_transitions_raise_with_both_states(current: S, target: S) -> None:
    with pytest.raises(InvalidServerTransition) as refused:
        change_server_state(current, target)
    assert refused.value.current is current and refused.value.target is target
    assert isinstance(refused.value, ValueError)
    assert str(current) in str(refused.value) and str(target) in str(refused.value)


def test_every_state_but_stopped_can_end_in_stopped() -> None:
    for state in ServerState:
        assert change_server_state(state, S.STOPPED) is S.STOPPED


def test_the_named_groups() -> None:
    assert {S.IDLE} == ACCEPTING
    assert set(ServerState) - {S.STOPPED} == LIVE
