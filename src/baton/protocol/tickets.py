"""Tickets: how a client proves to a supervised application server that it may connect.

A server started by the spawner's supervisor gets a random **key** in its environment
(``BATON_SERVER_KEY``, removed from the environment as the server starts, so programs never see
it). A client that leases the server from the spawner gets a :class:`Ticket`: the lease's id,
when it expires, and the lease's **secret**, ``HMAC-SHA256(key, "LEASE.EXPIRES")``. The secret
is different for every lease (the one-time connection secret), and the key never leaves the
spawner and the server.

Each connection then opens with a HELLO frame (:func:`hello_for`): the lease id, its expiry, a
fresh nonce, the client's clock, and ``proof = HMAC-SHA256(secret, "NONCE.TIME")``. The server
(:class:`TicketCheck`) derives the secret from its key, checks the proof, refuses an expired
lease, a clock more than ``skew`` seconds away from its own, and a nonce it has already seen (a
replayed HELLO). The secret itself never crosses the connection.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from baton.protocol import frames

#: The environment variable a supervised server finds its key in.
KEY_VARIABLE = "BATON_SERVER_KEY"
#: Seconds a HELLO's clock may differ from the server's.
CLOCK_SKEW = 300.0
#: Nonces a server remembers (more than this many HELLOs within the skew window are refused).
MAX_NONCES = 100_000


def new_key() -> str:
    """A fresh random server key."""
    return secrets.token_urlsafe(32)


def _mac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def lease_secret(key: str, lease: str, expires: int) -> str:
    """The secret of lease ``lease`` on the server whose key is ``key``, valid until ``expires``
    (Unix time, seconds)."""
    return _mac(key, f"{lease}.{expires}")


@dataclass(frozen=True)
class Ticket:
    """What a lease holder keeps to open connections to its server.

    Attributes:
        lease: the lease's id.
        expires: Unix time (seconds) after which the server refuses the ticket.
        secret: the lease's secret (:func:`lease_secret`); never sent to the server.
    """

    lease: str
    expires: int
    secret: str

    def expiring(self, within: float = 60.0) -> bool:
        """Whether the ticket expires within ``within`` seconds."""
        return self.expires - time.time() < within


def proof(secret: str, nonce: str, clock: int) -> str:
    """The proof a HELLO carries."""
    return _mac(secret, f"{nonce}.{clock}")


def hello_for(ticket: Ticket) -> frames.Hello:
    """The HELLO that opens one connection with ``ticket``: a fresh nonce, this clock now.

    Build one per connection: the server refuses a nonce it has seen.
    """
    nonce = secrets.token_urlsafe(16)
    clock = int(time.time())
    return frames.Hello(
        lease=ticket.lease,
        expires=ticket.expires,
        nonce=nonce,
        time=clock,
        proof=proof(ticket.secret, nonce, clock),
    )


class TicketRefused(Exception):
    """A HELLO the server does not accept; the message says why (it is sent back)."""


class TicketCheck:
    """The server's side: checks each connection's HELLO against the server's key.

    Args:
        key: the server's key.
        skew: seconds a HELLO's clock may differ from this one's.
    """

    def __init__(self, key: str, *, skew: float = CLOCK_SKEW) -> None:
        self._key = key
        self._skew = skew
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check(self, lease: str, expires: int, nonce: str, clock: int, given: str) -> None:
        """Accept one HELLO's fields, or raise :class:`TicketRefused` naming what is wrong."""
        now = time.time()
        secret = lease_secret(self._key, lease, expires)
        # As bytes: compare_digest refuses str holding anything but ASCII, and a peer sent it.
        expected = proof(secret, nonce, clock).encode()
        if not hmac.compare_digest(expected, given.encode("utf-8", "surrogatepass")):
            raise TicketRefused("the connection's ticket is not valid for this server")
        if expires < now:
            raise TicketRefused(f"the lease {lease} expired; ask the spawner for a new one")
        if abs(now - clock) > self._skew:
            raise TicketRefused(
                f"the client's clock is {abs(now - clock):.0f} s away from the server's"
            )
        self._forget(now)
        if nonce in self._seen:
            raise TicketRefused("this HELLO was already used (a replay)")
        if len(self._seen) >= MAX_NONCES:
            raise TicketRefused("too many new connections; try again shortly")
        self._seen[nonce] = now

    def _forget(self, now: float) -> None:
        while self._seen:
            nonce, seen = next(iter(self._seen.items()))
            if now - seen <= 2 * self._skew:
                break
            del self._seen[nonce]
