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
- ``SCORECARD_SAMPLES_DIR``: the extracts an empty store is filled from on first run
  (default ``data/samples``; ``make run`` points it at the generated demo, ``data/demo``).
- ``SCORECARD_SUPPRESSION_THRESHOLD``: counts from 1 to this are shown as ``c`` (default 5).
- ``SCORECARD_MAX_SHEET_CELLS``, ``SCORECARD_MAX_DECOMPRESSED_MB``, ``SCORECARD_MAX_FIELD_CHARS``:
  how much one file may hold once opened (``loaders/limits.py`` gives the defaults and why).
- ``SCORECARD_DATE_GRACE_DAYS``: days after the load date a date may fall and still be
  loaded (default 0; loaders/sanity.py).
- ``SCORECARD_UPLOAD_MAX_MB``: the largest file the dashboard accepts (default 50).
- ``SCORECARD_TRUSTED_PROXIES``: addresses or networks of the reverse proxy, comma
  separated; only these may set X-Forwarded-* (and the single sign-on header).
- ``SCORECARD_SSO_HEADER``: the header the proxy puts the signed-in account name in
  (e.g. ``X-Forwarded-Email``); single sign-on is off unless this and the proxies are set.

Example::

    >>> s = Settings.from_env({"SCORECARD_DEFAULT_LA": "394"})
    >>> (s.database_url, s.default_la)
    ('sqlite:///data/scorecard.db', '394')
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

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

    date_grace_days: int = Field(default=0, ge=0)

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

    upload_max_mb: int = Field(default=50, ge=1, le=2048)
    trusted_proxies: tuple[str, ...] = ()
    sso_header: str | None = None
    # Where "Sign out" sends someone who signed on through the proxy: the proxy's own
    # logout (mod_auth_openidc: /oidc/callback?logout=<landing URL>), which ends its
    # session and the provider's. Without it the next page would sign them on again.
    sso_signout_url: str | None = Field(default=None, pattern=r"^(/[^/\\]|https?://)")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        for network in value if isinstance(value, (tuple, list)) else ():
            ipaddress.ip_network(network, strict=False)  # raises ValueError naming it
        return value

    @property
    def upload_max_bytes(self) -> int:
        return self.upload_max_mb * 1024 * 1024

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
            "samples_dir": "SCORECARD_SAMPLES_DIR",
            "suppression_threshold": "SCORECARD_SUPPRESSION_THRESHOLD",
            "max_sheet_cells": "SCORECARD_MAX_SHEET_CELLS",
            "max_decompressed_mb": "SCORECARD_MAX_DECOMPRESSED_MB",
            "max_field_chars": "SCORECARD_MAX_FIELD_CHARS",
            "date_grace_days": "SCORECARD_DATE_GRACE_DAYS",
            "upload_max_mb": "SCORECARD_UPLOAD_MAX_MB",
            "trusted_proxies": "SCORECARD_TRUSTED_PROXIES",
            "sso_header": "SCORECARD_SSO_HEADER",
            "sso_signout_url": "SCORECARD_SSO_SIGNOUT_URL",
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
