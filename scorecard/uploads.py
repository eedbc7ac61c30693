"""Uploaded files between their preview and their load, kept on the server.

The preview step is required: the preview callback keeps the uploaded bytes here under
a random token bound to the session that uploaded them, and the load callback accepts
only such a token, never file contents. A token from another session, an expired one
(30 minutes) or a guessed one loads nothing; a token is used once.

The store lives in the app's context (one per app, in memory). ``scorecard serve``
runs one waitress process with threads, so every request of a session reaches it; the
lock makes it safe across those threads. Several processes behind a proxy would need
sticky sessions (docs/deployment.md).

Example::

    >>> store = PreviewStore()
    >>> token = store.put("session-a", [("a.csv", b"x")], {"kind": None})
    >>> store.take("session-b", token) is None
    True
    >>> store.take("session-a", token).files
    [('a.csv', b'x')]
    >>> store.take("session-a", token) is None
    True
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

TTL_SECONDS = 30 * 60


@dataclass(frozen=True)
class PendingUpload:
    owner: str
    files: list[tuple[str, bytes]]
    choices: dict[str, Any]
    created: float = field(default_factory=time.monotonic)


class PreviewStore:
    """Pending uploads by token; each session holds at most one (a new preview replaces it)."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._pending: dict[str, PendingUpload] = {}

    def put(self, owner: str, files: list[tuple[str, bytes]], choices: dict[str, Any]) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            for old in [t for t, p in self._pending.items() if p.owner == owner]:
                del self._pending[old]
            self._pending[token] = PendingUpload(owner, files, dict(choices))
        return token

    def take(self, owner: str, token: str | None) -> PendingUpload | None:
        """The upload of this token if this session made it (and forget it); else None."""
        if not token:
            return None
        with self._lock:
            self._expire()
            pending = self._pending.get(token)
            if pending is None or not secrets.compare_digest(pending.owner, owner):
                return None
            del self._pending[token]
            return pending

    def discard(self, owner: str) -> None:
        with self._lock:
            for old in [t for t, p in self._pending.items() if p.owner == owner]:
                del self._pending[old]

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self._pending.items() if now - p.created > self._ttl]:
            del self._pending[token]
