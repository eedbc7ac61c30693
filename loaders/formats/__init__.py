"""Formats that hold several extract kinds in one file, recognised by content.

A multi-kind format (an Ofsted Annex A workbook, a DfE CIN census XML file) is read
into one :class:`~loaders.readers.RawTable` per canonical kind, with canonical headers
and each row's location in the source; the pipeline then validates each table like
any other extract. Each reader module registers itself in ``READERS``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from loaders.readers import RawTable


@dataclass
class FormatRead:
    """What a multi-kind reader found: a table per kind, and notes for the user."""

    format: str
    tables: list[RawTable]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReadContext:
    """What a reader may need beyond the file.

    ``key`` is the pseudonymisation key: any id a reader derives from a row's content
    that includes the child's identifier must be a keyed hash (``derived_id``), or the
    stored id could be reversed by trying every identifier.
    """

    key: bytes = field(repr=False)
    default_la: str | None = None


@dataclass(frozen=True)
class FormatReader:
    """A recogniser and a reader for one multi-kind format."""

    name: str
    title: str
    # (file name, content, sheet names or None for a file that is not a workbook) -> bool
    matches: Callable[[str, bytes, list[str] | None], bool]
    read: Callable[[str, bytes, ReadContext], FormatRead]


def derived_id(prefix: str, key: bytes, *parts: object) -> str:
    """A stable id from a record's content, keyed so that it reveals nothing.

    >>> derived_id("REF", b"k" * 32, "P1", "2024-01-05") == derived_id("REF", b"k" * 32, "P1", "2024-01-05")
    True
    """
    message = "\x1f".join([prefix, *("" if p is None else str(p) for p in parts)]).encode("utf-8")
    return f"{prefix}-{hmac.new(key, message, hashlib.sha256).hexdigest()[:16]}"


READERS: list[FormatReader] = []


def detect(name: str, content: bytes, sheets: list[str] | None) -> FormatReader | None:
    """The multi-kind reader for this file, if its content is one of those formats."""
    _register_builtin()
    for reader in READERS:
        if reader.matches(name, content, sheets):
            return reader
    return None


def _register_builtin() -> None:
    # Imported lazily so that importing the loaders does no work.
    import importlib

    for module in ("loaders.formats.annex_a", "loaders.formats.cin_xml"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
