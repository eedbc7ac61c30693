"""Settings, read once at the edge (command line, app start-up) and passed down.

Environment variables, each optional:

- ``SCORECARD_DATABASE_URL``: the store (default ``sqlite:///data/scorecard.db``).
- ``SCORECARD_SECRET_KEY``: the pseudonymisation key itself; otherwise the key file.
- ``SCORECARD_SECRET_KEY_FILE``: where the key lives (default ``data/secret.key``,
  created on first use with owner-only permissions).
- ``SCORECARD_DEFAULT_LA``: the LA for extracts without ``la_code``.
- ``SCORECARD_TARGETS_FILE``: the partnership's targets and tolerances (YAML).
- ``SCORECARD_MEASURES_FILE``: the partnership's own measures (YAML; default the shipped
  example ``store/data/partner_measures.yaml``), checked at start-up.
- ``SCORECARD_BENCHMARKS_FILE``: extra benchmark rows (statistical neighbours), CSV.
- ``SCORECARD_SUPPRESSION_THRESHOLD``: counts from 1 to this are shown as ``c`` (default 5).
- ``SCORECARD_MAX_SHEET_CELLS``, ``SCORECARD_MAX_DECOMPRESSED_MB``, ``SCORECARD_MAX_FIELD_CHARS``:
  how much one file may hold once opened (``loaders/limits.py`` gives the defaults and why).

Example::

    >>> s = Settings.from_env({"SCORECARD_DEFAULT_LA": "394"})
    >>> (s.database_url, s.default_la)
    ('sqlite:///data/scorecard.db', '394')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from loaders.limits import MIB, ReadLimits
from store.engine import DEFAULT_DATABASE_URL
from store.measures import MeasureCatalogue, default_measures, load_measures


class Settings(BaseModel):
    """Everything configurable, in one validated object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = Field(default=None, repr=False)
    secret_key_file: Path = Path("data/secret.key")
    default_la: str | None = None
    targets_file: Path | None = None
    measures_file: Path | None = None
    benchmarks_file: Path | None = None
    suppression_threshold: int = Field(default=5, ge=0)
    samples_dir: Path = Path("data/samples")
    max_sheet_cells: int | None = Field(default=None, ge=1)
    max_decompressed_mb: int | None = Field(default=None, ge=1)
    max_field_chars: int | None = Field(default=None, ge=1)

    def read_limits(self) -> ReadLimits:
        """The loaders' limits: the defaults, with any set here instead.

        >>> Settings(max_sheet_cells=100).read_limits().max_cells
        100
        """
        given = {
            "max_cells": self.max_sheet_cells,
            "max_decompressed_bytes": self.max_decompressed_mb and self.max_decompressed_mb * MIB,
            "max_field_chars": self.max_field_chars,
        }
        return ReadLimits(**{k: v for k, v in given.items() if v is not None})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from environment variables, then explicit overrides (None is ignored)."""
        env = os.environ if env is None else env
        names = {
            "database_url": "SCORECARD_DATABASE_URL",
            "secret_key": "SCORECARD_SECRET_KEY",
            "secret_key_file": "SCORECARD_SECRET_KEY_FILE",
            "default_la": "SCORECARD_DEFAULT_LA",
            "targets_file": "SCORECARD_TARGETS_FILE",
            "measures_file": "SCORECARD_MEASURES_FILE",
            "benchmarks_file": "SCORECARD_BENCHMARKS_FILE",
            "suppression_threshold": "SCORECARD_SUPPRESSION_THRESHOLD",
            "max_sheet_cells": "SCORECARD_MAX_SHEET_CELLS",
            "max_decompressed_mb": "SCORECARD_MAX_DECOMPRESSED_MB",
            "max_field_chars": "SCORECARD_MAX_FIELD_CHARS",
        }
        values: dict[str, object] = {k: env[v] for k, v in names.items() if env.get(v)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)

    def measures(self) -> MeasureCatalogue:
        """The partnership's declared measures, validated (raises MeasuresFileError listing
        every problem with its file and line).

        >>> [m.id for m in Settings().measures().measures][:2]
        ['icpc_health_reports', 'new_birth_visits_14d']
        """
        return default_measures() if self.measures_file is None else load_measures(self.measures_file)
