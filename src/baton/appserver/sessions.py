"""Sessions: a saved dict per session id that survives between the requests of one user.

A session belongs to the server that created it and to the user of the request that created it
(``REQUEST.user``; None for anonymous). A REQUEST naming a session that is unknown, expired or
owned by another user is refused (``session_not_found``) before its program runs. Expiry slides:
a session lives ``timeout`` seconds after the end of its last request, and a request in progress
holds its session, so it never expires under a running program. Expired sessions are removed by
:meth:`SessionStore.sweep` (the server calls it periodically) and when they are looked up.

Programs run on worker threads, so the store is guarded by a lock. The saved dict itself is
handed to programs as is: requests of one session that run at once share it without a lock.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field

from baton.errors import SessionNotFound


@dataclass(frozen=True)
class Session:
    """One session (a snapshot: the store replaces it when its expiry moves).

    Attributes:
        session_id: its id, ``secrets.token_urlsafe(24)``.
        owner: the user who created it, None for anonymous.
        timeout: seconds it lives after the end of its last request.
        expires_at: when it expires (``time.monotonic`` clock) unless a request holds it.
        data: the saved dict, the same object for its whole life.
    """

    session_id: str
    owner: str | None
    timeout: float
    expires_at: float
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionOutcome:
    """What END says about a request's session.

    Attributes:
        session_id: the live session the request ended with, or None.
        created: the request created ``session_id``.
        deleted: the request deleted the session it came with.
    """

    session_id: str | None = None
    created: bool = False
    deleted: bool = False


class SessionStore:
    """The sessions of one server, safe to use from any thread.

    Args:
        clock: the monotonic clock expiry is counted on (a parameter for tests).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        #: How many requests hold each session now (held sessions do not expire).
        self._holds: dict[str, int] = {}

    def __len__(self) -> int:
        """The live sessions: held ones and those not expired yet."""
        now = self._clock()
        with self._lock:
            return sum(1 for key in self._sessions if self._live(key, now))

    def begin(self, session_id: str | None, user: str | None) -> RequestSession:
        """The session of a request that carries ``session_id`` (or none) for ``user``.

        The returned object holds the session until its :meth:`RequestSession.finish`.

        Raises:
            SessionNotFound: ``session_id`` is unknown, expired or owned by another user.
        """
        if session_id is not None:
            now = self._clock()
            with self._lock:
                found = self._sessions.get(session_id)
                if found is not None and not self._live(session_id, now):
                    self._remove(session_id)
                    found = None
                if found is None or found.owner != user:
                    raise SessionNotFound(session_id)
                self._holds[session_id] = self._holds.get(session_id, 0) + 1
        return RequestSession(self, user, session_id)

    def get(self, session_id: str) -> Session | None:
        """The session ``session_id`` if it is live, else None."""
        with self._lock:
            if not self._live(session_id, self._clock()):
                return None
            return self._sessions[session_id]

    def create(self, owner: str | None, timeout: float) -> Session:
        """A new session of ``owner``, held by the calling request until :meth:`release`."""
        session_id = secrets.token_urlsafe(24)
        session = Session(session_id, owner, timeout, self._clock() + timeout)
        with self._lock:
            self._sessions[session_id] = session
            self._holds[session_id] = 1
        return session

    def retime(self, session_id: str, timeout: float) -> bool:
        """Give the live session ``session_id`` a new timeout; whether it exists."""
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None:
                return False
            expires_at = self._clock() + timeout
            self._sessions[session_id] = dataclasses.replace(
                found, timeout=timeout, expires_at=expires_at
            )
            return True

    def release(self, session_id: str) -> None:
        """A request holding ``session_id`` ended: it now expires ``timeout`` seconds from now."""
        with self._lock:
            holds = self._holds.get(session_id, 0) - 1
            if holds > 0:
                self._holds[session_id] = holds
            else:
                self._holds.pop(session_id, None)
            found = self._sessions.get(session_id)
            if found is not None:
                expires_at = self._clock() + found.timeout
                self._sessions[session_id] = dataclasses.replace(found, expires_at=expires_at)

    def delete(self, session_id: str) -> bool:
        """Remove ``session_id``; whether it existed."""
        with self._lock:
            return self._remove(session_id)

    def sweep(self) -> int:
        """Remove the expired sessions; how many were removed."""
        now = self._clock()
        with self._lock:
            expired = [key for key in self._sessions if not self._live(key, now)]
            for key in expired:
                self._remove(key)
        return len(expired)

    def _live(self, session_id: str, now: float) -> bool:
        found = self._sessions.get(session_id)
        if found is None:
            return False
        return session_id in self._holds or found.expires_at > now

    def _remove(self, session_id: str) -> bool:
        self._holds.pop(session_id, None)
        return self._sessions.pop(session_id, None) is not None


class RequestSession:
    """One request's view of its session: the :class:`baton.program.SessionControl` it uses.

    Args:
        store: the server's sessions.
        user: the request's user, who owns any session it creates.
        session_id: the live session the request came with (already held), or None.
    """

    def __init__(self, store: SessionStore, user: str | None, session_id: str | None) -> None:
        self._store = store
        self._user = user
        self._lock = threading.Lock()
        self._original = session_id
        self._current = session_id
        self._held = [session_id] if session_id is not None else []
        self._deleted_original = False
        self._finished = False

    def current_id(self) -> str | None:
        """The id of the request's live session, or None."""
        with self._lock:
            current = self._current
        if current is None or self._store.get(current) is None:
            return None
        return current

    def data(self) -> MutableMapping[str, object] | None:
        """The live session's saved dict, or None."""
        with self._lock:
            current = self._current
        found = self._store.get(current) if current is not None else None
        return found.data if found is not None else None

    def create(self, timeout: float) -> str:
        """Create a session for the request's user, or re-time its live one; the id."""
        with self._lock:
            if self._current is not None and self._store.retime(self._current, timeout):
                return self._current
            created = self._store.create(self._user, timeout)
            self._current = created.session_id
            if self._finished:  # a stopped program that still runs: nothing will release it
                self._store.release(created.session_id)
            else:
                self._held.append(created.session_id)
            return created.session_id

    def delete(self) -> None:
        """Delete the request's live session (nothing happens without one)."""
        with self._lock:
            if self._current is None:
                return
            if self._store.delete(self._current) and self._current == self._original:
                self._deleted_original = True
            self._current = None

    def outcome(self) -> SessionOutcome:
        """What END reports: the live session now, whether created or deleted in the request."""
        current = self.current_id()
        with self._lock:
            return SessionOutcome(
                session_id=current,
                created=current is not None and current != self._original,
                deleted=self._deleted_original,
            )

    def finish(self) -> None:
        """The request ended (its program really ended): let its sessions expire from now on."""
        with self._lock:
            held, self._held = self._held, []
            self._finished = True
        for session_id in held:
            self._store.release(session_id)
