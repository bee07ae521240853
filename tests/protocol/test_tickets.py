"""Tickets: a HELLO built from a lease's ticket passes the server's check; nothing else does."""

from __future__ import annotations

import dataclasses
import time

import pytest

from baton.protocol import frames, tickets
from baton.protocol.tickets import (
    CLOCK_SKEW,
    Ticket,
    TicketCheck,
    TicketRefused,
    hello_for,
    lease_secret,
    new_key,
    proof,
)

KEY = new_key()


def ticket(key: str = KEY, *, lease: str = "lease-1", lifetime: float = 600.0) -> Ticket:
    """A ticket of ``lease`` on the server whose key is ``key``."""
    expires = int(time.time() + lifetime)
    return Ticket(lease, expires, lease_secret(key, lease, expires))


def check(hello: frames.Hello, checker: TicketCheck | None = None) -> None:
    (checker or TicketCheck(KEY)).check(
        hello.lease, hello.expires, hello.nonce, hello.time, hello.proof
    )


def refusal(hello: frames.Hello, checker: TicketCheck | None = None) -> str:
    with pytest.raises(TicketRefused) as caught:
        check(hello, checker)
    return str(caught.value)


def test_a_hello_from_a_valid_ticket_is_accepted() -> None:
    hello = hello_for(ticket())

    check(hello)

    assert hello.lease == "lease-1"
    assert abs(hello.time - time.time()) < 5


def test_every_hello_has_a_fresh_nonce() -> None:
    held = ticket()

    assert hello_for(held).nonce != hello_for(held).nonce


def test_a_ticket_of_another_key_is_refused() -> None:
    message = refusal(hello_for(ticket(new_key())))

    assert message == "the connection's ticket is not valid for this server"


@pytest.mark.parametrize(
    "change",
    [
        {"proof": "0" * 64},
        {"proof": "not hex, not even ascii: é"},
        {"nonce": "another nonce"},
        {"lease": "lease-2"},
        {"expires": 2**40},  # a later expiry than the secret was made for
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_tampered_hello_is_refused(change: dict[str, object]) -> None:
    hello = dataclasses.replace(hello_for(ticket()), **change)

    assert refusal(hello) == "the connection's ticket is not valid for this server"


def test_an_expired_lease_is_refused() -> None:
    message = refusal(hello_for(ticket(lifetime=-10)))

    assert message == "the lease lease-1 expired; ask the spawner for a new one"


@pytest.mark.parametrize("offset", [-2 * CLOCK_SKEW, 2 * CLOCK_SKEW])
def test_a_clock_too_far_away_is_refused(offset: float) -> None:
    held = ticket(lifetime=3 * CLOCK_SKEW)
    clock = int(time.time() + offset)
    hello = frames.Hello(held.lease, held.expires, "n1", clock, proof(held.secret, "n1", clock))

    message = refusal(hello)

    assert message.startswith("the client's clock is ")
    assert message.endswith(" s away from the server's")


def test_a_clock_within_the_skew_is_accepted() -> None:
    held = ticket()
    clock = int(time.time() - CLOCK_SKEW / 2)

    check(frames.Hello(held.lease, held.expires, "n1", clock, proof(held.secret, "n1", clock)))


def test_a_replayed_hello_is_refused() -> None:
    checker = TicketCheck(KEY)
    hello = hello_for(ticket())
    check(hello, checker)

    assert refusal(hello, checker) == "this HELLO was already used (a replay)"
    check(hello_for(ticket()), checker)  # a new nonce of the same lease still passes


def test_too_many_new_connections_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tickets, "MAX_NONCES", 2)
    checker = TicketCheck(KEY)
    held = ticket()
    check(hello_for(held), checker)
    check(hello_for(held), checker)

    assert refusal(hello_for(held), checker) == "too many new connections; try again shortly"


def test_secrets_differ_per_lease_and_per_key() -> None:
    expires = int(time.time()) + 60
    other = new_key()

    secrets = {
        lease_secret(KEY, "lease-1", expires),
        lease_secret(KEY, "lease-2", expires),
        lease_secret(KEY, "lease-1", expires + 1),
        lease_secret(other, "lease-1", expires),
    }

    assert len(secrets) == 4
    assert other != KEY


def test_the_secret_never_crosses_the_connection() -> None:
    held = ticket()
    hello = hello_for(held)

    assert held.secret not in dataclasses.astuple(hello)
    assert KEY not in dataclasses.astuple(hello)


def test_a_ticket_says_when_it_is_expiring() -> None:
    assert ticket(lifetime=30).expiring(within=60)
    assert not ticket(lifetime=600).expiring(within=60)
