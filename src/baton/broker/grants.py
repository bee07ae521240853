"""Whether a principal may run a program, remembered for a moment.

Whether a principal may run a program (and administers the service) is read from the registry
at most once per ``dispatcher.refresh_seconds`` for the same question: a revoked grant stops
working within that delay, and the hot path does not wait for the database. A refusal is
audited every time it happens.
"""

from __future__ import annotations

import time

from baton.errors import PermissionDenied
from baton.registry import access, audit
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import Action, AuditOutcome, ResourceKind

_Key = tuple[int | None, frozenset[int], frozenset[str], str, str]
#: Answers kept at most; beyond, the oldest half is dropped.
MAX_ENTRIES = 10_000


class GrantCache:
    """Remembers principals' rights to run programs for ``ttl`` seconds (0: never).

    Args:
        database: the registry.
        ttl: seconds an answer is reused.
    """

    def __init__(self, database: Database, ttl: float) -> None:
        self._database = database
        self._ttl = ttl
        self._answers: dict[_Key, tuple[float, bool, bool]] = {}

    def fresh(self, principal: Principal, program: str, service: str) -> bool:
        """Whether :meth:`may_run` would answer from memory (so it need not go to a thread)."""
        cached = self._answers.get(_key(principal, program, service))
        return cached is not None and cached[0] > time.monotonic() and cached[1]

    def may_run(self, principal: Principal, program: str, service: str, remote_addr: str) -> bool:
        """Refuse unless ``principal`` may run ``program``; True if it administers ``service``.

        Raises:
            PermissionDenied: no ``run`` on the program or its library (audited).
        """
        key = _key(principal, program, service)
        now = time.monotonic()
        cached = self._answers.get(key)
        if cached is not None and cached[0] > now:
            allowed, administers = cached[1], cached[2]
        else:
            with self._database.session() as session:
                allowed = access.is_allowed(
                    session, principal, ResourceKind.PROGRAM, program, Action.RUN
                )
                administers = allowed and access.is_allowed(
                    session, principal, ResourceKind.SERVICE, service, Action.ADMINISTER
                )
            if self._ttl > 0:
                if len(self._answers) >= MAX_ENTRIES:
                    for stale in list(self._answers)[: MAX_ENTRIES // 2]:
                        del self._answers[stale]
                self._answers[key] = (now + self._ttl, allowed, administers)
        if allowed:
            return administers
        with self._database.session() as session:  # its own transaction: the refusal stays
            audit.record(
                session,
                "broker.run",
                actor=principal.name,
                resource=f"program:{program}",
                outcome=AuditOutcome.DENIED,
                remote_addr=remote_addr,
                detail={"service": service},
            )
        raise PermissionDenied("run", f"program {program!r}")


def _key(principal: Principal, program: str, service: str) -> _Key:
    return (
        principal.user_id,
        principal.group_ids,
        frozenset(principal.capabilities),
        program,
        service,
    )
