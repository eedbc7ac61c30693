"""Numbers as the dashboard shows them: one decimal place for rates and percentages,
thousands separators, and the stored note (never "nan") where there is no value.

Example::

    >>> format_value(28.90695, "percentage")
    '28.9%'
    >>> format_value(None, "percentage", "n/a: no referrals in the period")
    'n/a: no referrals in the period'
    >>> format_value(float("nan"), "rate")
    'n/a'
    >>> format_value(1209.0, "count"), format_value(201.77, "rate"), format_value(31.5, "median")
    ('1,209', '201.8', '31.5')
    >>> format_fraction("percentage", 320.0, 1107.0)
    '320 of 1,107'
    >>> format_fraction("percentage", 3.5, 20.5), format_fraction("number", 340, 21.5)  # FTE
    ('3.5 of 20.5', '340 ÷ 21.5')
    >>> format_figure(33.5), format_figure(34.0), format_figure(33.04), format_figure(1234)
    ('33.5', '34', '33', '1,234')

Readings. A numerator or denominator (a "figure") is whole for counts of children and
events, but a full-time-equivalent (FTE) is not: an FTE figure (``sw_in_post_fte`` 33.5,
the FTE over which a workforce percentage or caseload is taken) is shown with one
decimal where it is not whole, and without decimals where it is (``format_figure``), in
the tables, chart tables, fractions, CSV and Excel files and the pack, so 33.5 is never
shown as 34. A value of type ``number`` (an FTE, cases per FTE) always has one decimal,
as a rate's does. A median's numerator (the median) has one decimal.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from metrics import wording
from metrics.periods import GRAIN_LABELS, Grain, period_for
from metrics.status import direction_label
from store.local_authorities import la_name

__all__ = ["la_name"]  # LAs are named on screen, never shown as bare codes

NOT_AVAILABLE = "n/a"
SUPPRESSED = "c"


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return str(value) in ("<NA>", "NaT", "nan")


def round_half_up(value: float, decimals: int = 0) -> float:
    """Rounded as published statistics are: halves go up, not to the even digit.

    >>> round_half_up(41.25, 1), round_half_up(2.5), round(2.5)
    (41.3, 3.0, 2)
    """
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def format_number(value: Any, decimals: int = 0) -> str:
    """A number with thousands separators and a fixed number of decimals (halves up)."""
    if is_missing(value):
        return NOT_AVAILABLE
    if isinstance(value, str):
        return value
    return f"{round_half_up(float(value), decimals):,.{decimals}f}"


def figure_decimals(value: Any) -> int:
    """The decimals of a numerator or denominator: 0 when whole (to one decimal), else 1."""
    if isinstance(value, str) or is_missing(value):
        return 0
    return 0 if round_half_up(float(value), 1).is_integer() else 1


def format_figure(value: Any) -> str:
    """A numerator or denominator as shown: whole without decimals, an FTE with one."""
    return format_number(value, figure_decimals(value))


def numerator_text(value: Any, kind: str) -> str:
    """A numerator of an indicator of type ``kind`` as shown: a median's (the median) with
    one decimal, others as figures (``format_figure``)."""
    return format_number(value, 1) if kind == "median" else format_figure(value)


def format_value(value: Any, kind: str, note: Any = None) -> str:
    """An indicator value for display; the note (or "n/a") when there is none."""
    if isinstance(value, str):  # already suppressed ("c")
        return value
    if is_missing(value):
        return str(note) if not is_missing(note) and str(note).strip() else NOT_AVAILABLE
    if kind == "percentage":
        return f"{format_number(value, 1)}%"
    if kind in ("rate", "median", "number"):
        return format_number(value, 1)
    return format_number(value, 0)


def format_fraction(kind: str, numerator: Any, denominator: Any) -> str:
    """Numerator and denominator in words: "320 of 1,107", "1,251 per 62,000 children"."""
    if kind == "count" or (is_missing(numerator) and is_missing(denominator)):
        return ""
    num = format_figure(numerator)
    den = format_figure(denominator)
    if kind == "rate":
        return f"{num} per {den} children"
    if kind == "median":
        return f"median of {den}"
    if kind == "number":  # FTE and cases per FTE: a sum has no fraction
        return (
            ""
            if is_missing(denominator) or denominator == ""  # a blank cell of a CSV too
            else f"{num} ÷ {den}"
        )
    return f"{num} of {den}"


def format_target(value: Any, kind: str) -> str:
    """The target, or an empty string when there is none."""
    return "" if is_missing(value) else format_value(value, kind)


def period_label(grain: Grain, period_end: date) -> str:
    """The label of the period of ``grain`` ending on ``period_end``: "Q4 2024-25"."""
    return period_for(grain, period_end).label


def grain_label(grain: str) -> str:
    return GRAIN_LABELS.get(grain, grain)  # type: ignore[call-overload]


def month_key(period_end: date) -> str:
    """How a period appears in URLs: its end month, ``YYYY-MM``."""
    return f"{period_end:%Y-%m}"


def plural(n: float, word: str, many: str | None = None) -> str:
    """ "1 file", "3 files", "2 children", with thousands separators (metrics.wording)."""
    return wording.plural(n, word, many)


def direction_words(direction: Any, polarity: str) -> tuple[str, str]:
    """(arrow, words) for a stored direction of travel; never colour alone.

    >>> direction_words("no_change", "up")
    ('▶', 'No change')
    >>> direction_words(None, "up")
    ('', 'No earlier period to compare')
    """
    if not isinstance(direction, str) or not direction:
        return ("", "No earlier period to compare")
    try:
        return direction_label(direction, polarity)  # type: ignore[arg-type]
    except ValueError:
        return ("", direction.replace("_", " ").capitalize())
