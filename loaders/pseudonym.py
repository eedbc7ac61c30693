"""Pseudonymising child identifiers with a keyed hash (HMAC-SHA256).

``child_id`` is replaced on load by ``child_key``: the first 24 hex digits (96 bits) of
HMAC-SHA256(key, child_id). The key lives outside the database: in
``SCORECARD_SECRET_KEY`` or in a key file created on first use with owner-only
permissions. The same key gives the same pseudonym in every extract, so a child's
journey links; without the key a pseudonym cannot be turned back into the identifier.

The store records a fingerprint of the key (not the key), so loading with a different
key, which would silently break every link, is refused with a clear message.

Example::

    >>> key = b"k" * 32
    >>> pseudonymise(pd.Series(["P0001", "P0001", "P0002"]), key).nunique()
    2
    >>> len(pseudonym("P0001", key))
    24
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

import numpy as np
import pandas as pd

PSEUDONYM_HEX_DIGITS = 24
# Workers are people too (extracts.md, workforce): ``worker_id`` is hashed with the same
# key under its own prefix, so a worker and a child with the same identifier never share
# a pseudonym (a NUL cannot arrive in a CSV or XLSX cell, so no child id starts with it).
# Children keep no prefix, so existing stores keep their keys.
WORKER_PREFIX = "\x00worker:"
_FINGERPRINT_MESSAGE = b"partnership-scorecard key fingerprint"


class PseudonymKeyError(RuntimeError):
    """The pseudonymisation key is missing, unreadable or not the one the store was built with."""


def pseudonym(child_id: str, key: bytes) -> str:
    """The pseudonym of one child identifier."""
    return hmac.digest(key, child_id.encode("utf-8"), "sha256").hex()[:PSEUDONYM_HEX_DIGITS]


def pseudonymise(
    child_ids: pd.Series, key: bytes, known: dict[str, str] | None = None, *, prefix: str = ""
) -> pd.Series:
    """Pseudonyms for a column of identifiers (each distinct value hashed once).

    ``known`` remembers pseudonyms already made with this key during one load of several
    files (the same children recur in every extract); it lives in memory only. ``prefix``
    is hashed before each identifier (``WORKER_PREFIX`` for workers).

    >>> key = b"k" * 32
    >>> pseudonymise(pd.Series(["7"]), key)[0] == pseudonymise(pd.Series(["7"]), key, prefix=WORKER_PREFIX)[0]
    False
    """
    codes, uniques = pd.factorize(child_ids, use_na_sentinel=True)
    cache = {} if known is None else known
    hashed: list[str | None] = []
    for raw in np.asarray(uniques, dtype=object):
        text = prefix + raw
        found = cache.get(text)
        if found is None:
            found = cache[text] = pseudonym(text, key)
        hashed.append(found)
    hashed.append(None)
    return pd.Series(pd.array(hashed, dtype="str").take(codes))


def key_fingerprint(key: bytes) -> str:
    """A short public fingerprint of the key, stored to detect a key change."""
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


def resolve_key(secret_key: str | None, key_file: Path, stored_fingerprint: str | None = None) -> bytes:
    """The key from ``secret_key`` if given, else from ``key_file``.

    The key file is created only for a store that holds no pseudonyms yet
    (``stored_fingerprint`` None): for one that does, a new key would silently stop every
    new record linking to the old ones, so a missing key file is an error that says
    where the key must come back from.
    """
    if secret_key:
        if len(secret_key) < 16:
            raise PseudonymKeyError("SCORECARD_SECRET_KEY is too short: use at least 16 characters")
        return secret_key.encode("utf-8")
    if key_file.exists():
        return _read_key_file(key_file)
    if stored_fingerprint is not None:
        raise PseudonymKeyError(
            f"the key file {key_file} is missing, but this database already holds records pseudonymised "
            f"with a key (fingerprint {stored_fingerprint}): a new key would stop new records linking to "
            f"them. Restore {key_file} from the backup made when the key was created (or set "
            "SCORECARD_SECRET_KEY or SCORECARD_SECRET_KEY_FILE to the original key) and try again"
        )
    return _create_key_file(key_file)


def _read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PseudonymKeyError(
            f"the key file {path} can be read by other users: "
            f"restrict it with 'chmod 600 {path}' and try again"
        )
    key = path.read_bytes().strip()
    if len(key) < 16:
        raise PseudonymKeyError(f"the key file {path} is empty or too short: restore it from your backup")
    return key


def _create_key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key + b"\n")
    return key
