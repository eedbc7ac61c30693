"""The board pack and the chief executive summary (issue 9), as PDF.

``build_pack`` and ``build_summary`` read the store (``scorecard.pack.data``), write
HTML (``scorecard.pack.html``) and render it (``scorecard.pack.render``, WeasyPrint).

Readings:

- **Audience.** ``board`` is for sharing: every number goes through disclosure control
  (``metrics.disclosure``), a chart leaves out a month whose value is hidden, and the
  commentary of a hidden value is withheld. ``clinic`` is operational and says so on
  every page (the running header).
- **Exceptions.** Outside tolerance (status red), a special-cause concern (SPC), or
  "worsening" three periods running at the pack's grain. A status hidden for sharing
  is not read, so the board pack never singles out a hidden value.
- **The summary's concerns and improvements** are ranked by SPC signal first (4), then
  status (red 2, amber 1 / green 2), then direction (1); hidden values are left out.
- **Charts** are the monthly series of the last 24 months whatever the grain (SPC is
  defined on months), drawn as SVG: vectors in the PDF.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from metrics.benchmarks import Benchmarks
from metrics.periods import Grain
from metrics.registry import Registry
from scorecard.pack.data import gather
from scorecard.pack.html import pack_html, summary_html
from scorecard.pack.render import PackUnavailableError, render_pdf, stylesheet

__all__ = ["PackUnavailableError", "build_pack", "pack_filename"]


def pack_filename(la_code: str, grain: str, period_end: date, audience: str, summary: bool) -> str:
    """``board_pack_LA394_month_2025-03_board.pdf``: the audience is in the name."""
    stem = "ce_summary" if summary else "board_pack"
    return f"{stem}_LA{la_code}_{grain}_{period_end:%Y-%m}_{audience}.pdf"


def build_pack(
    engine: Engine,
    registry: Registry,
    benchmarks: Benchmarks,
    la_code: str,
    grain: Grain,
    period_end: date,
    audience: str = "board",
    threshold: int = 5,
    summary: bool = False,
    produced_by: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The pack (or with ``summary`` the one-page summary) as PDF bytes."""
    data = gather(
        engine, registry, benchmarks, la_code, grain, period_end, audience, threshold, produced_by, now
    )
    html = (summary_html if summary else pack_html)(data, registry, stylesheet())
    return render_pdf(html)
