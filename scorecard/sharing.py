"""The numbers of a view for an audience, and what a file says about itself.

Every output that leaves the page (the scorecard's CSV and Excel, the board pack)
reads its rows here: for sharing, the whole period goes through
``metrics.disclosure`` first, so the same cells are hidden whichever group or
breakdown a file shows; operational rows are as stored.

A partner sees the operational numbers of its own agency's rows only (the reading is
in ``scorecard.access``): :func:`as_seen_by` turns a page's operational rows into what a
user may see, and :func:`partner_rows` does it for a partner. A number hidden for
sharing becomes missing with the note ``c``, so the pages' formatting shows "c" and
their charts leave the bar out, as for any missing value.

The pages of one LA and period (Journey, Early help, Workforce, Quality) read their
numbers through :class:`PeriodView`: for the board and partners, the period is
disclosed once per request, and each table is taken from it: :meth:`PeriodView.seen`
(on screen: a partner's own agency's rows as stored) and :meth:`PeriodView.shared`
(every download: the version for sharing, and its file says so). There a hidden
numerator or denominator is ``c`` too (:func:`marked_rows`), so "c of 40" shows which
part is hidden.

Example::

    >>> nan = float("nan")
    >>> stored = pd.DataFrame({"kpi_id": ["contacts"] * 3, "breakdown": ["all", "agency", "agency"],
    ...     "group_name": ["all", "Police", "Health"], "numerator": [nan] * 3,
    ...     "denominator": [nan] * 3, "value": [40.0, 3.0, 2.0], "note": [None] * 3})
    >>> shared = stored.assign(value=[40, "c", "c"], numerator="", denominator="")
    >>> seen = partner_rows(stored, shared, frozenset({"Police"}))
    >>> seen["value"].tolist(), seen["note"].tolist()
    ([40.0, 3.0, nan], [None, None, 'c'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine

from metrics import results
from metrics.disclosure import DESCRIBING, OPERATIONAL, PARTS, SHARING, shared_view
from metrics.periods import Grain
from metrics.registry import Registry
from metrics.suppression import BLANK, SUPPRESSED
from metrics.wording import kind_words, plural
from scorecard.access import User
from scorecard.agencies import default_agencies
from scorecard.commentary import current_comments
from scorecard.formatting import period_label
from scorecard.store_cache import StoreCache

if TYPE_CHECKING:  # the exports (xlsxwriter, Dash tables) load only where a file is written
    from scorecard.components.tables import FileFor
    from scorecard.exports import ExportContext


def view_rows(
    engine: Engine,
    registry: Registry,
    la_code: str,
    grain: Grain,
    period_end: date,
    audience: str,
    threshold: int,
    breakdown: tuple[str, str] = ("all", "all"),
) -> pd.DataFrame:
    """One row per indicator for one group, disclosed for sharing or as stored."""
    if audience not in (SHARING, OPERATIONAL):
        raise ValueError(f"unknown audience {audience!r}: expected {SHARING} or {OPERATIONAL}")
    if audience == OPERATIONAL:
        return results.period_results(engine, la_code, grain, period_end, *breakdown)
    cube = shared_view(engine, la_code, grain, period_end, SHARING, threshold, registry)
    chosen = (cube["breakdown"] == breakdown[0]) & (cube["group_name"] == breakdown[1])
    return cube[chosen].reset_index(drop=True)


def sources(engine: Engine, la_code: str) -> list[str]:
    """One line per partner and kind loaded for the LA: loads and rows."""
    frame = results.load_counts_by_partner(engine, la_code)
    return [
        f"{row['partner']}: {kind_words(row['kind'])}, {plural(int(row['loads']), 'load')}, "
        f"{plural(int(row['rows_loaded']), 'row')} loaded, {int(row['rows_rejected']):,} rejected"
        for row in frame.to_dict("records")
    ]


def coverage(engine: Engine, la_code: str) -> str:
    """The LA's reporting window in words."""
    window = results.reporting_window(engine, la_code)
    if window is None:
        return f"No reporting window is recorded for LA {la_code}."
    start, end = window
    return f"LA {la_code}: the extracts cover {period_label('month', start)} to {period_label('month', end)}."


def export_context(
    engine: Engine,
    la_code: str,
    grain: str,
    period_end: date,
    threshold: int,
    produced_by: str | None,
    actions: dict[str, str] | None = None,
) -> ExportContext:
    """What a file says about itself: suppression, sources, coverage, who and commentary."""
    from scorecard.exports import ExportContext

    comments = {kpi: c.body for kpi, c in current_comments(engine, la_code, grain, period_end).items()}
    return ExportContext(
        threshold=threshold,
        produced_by=produced_by or "not signed in",
        sources=sources(engine, la_code),
        coverage=coverage(engine, la_code),
        comments=comments,
        actions=actions or {},
    )


_ROW_KEY = ["kpi_id", "breakdown", "group_name"]


def _number(value: object) -> float:
    """A disclosed cell as a number: "c" and blank are missing."""
    if value is None or value in (SUPPRESSED, BLANK):
        return float("nan")
    return float(value)  # type: ignore[arg-type]


def partner_rows(frame: pd.DataFrame, shared: pd.DataFrame, own_groups: frozenset[str]) -> pd.DataFrame:
    """``frame`` (operational rows of ``kpi_results``) as a partner sees it: the rows of its
    own agency in a breakdown by agency as stored, every other row as in ``shared`` (the
    same period after disclosure control); a row missing from ``shared`` is hidden."""
    if frame.empty:
        return frame
    out = frame.reset_index(drop=True).copy()
    own = ((out["breakdown"] == "agency") & out["group_name"].isin(sorted(own_groups))).to_numpy()
    found = shared.drop_duplicates(_ROW_KEY).set_index(_ROW_KEY)
    keys = pd.MultiIndex.from_frame(out[_ROW_KEY])
    present = keys.isin(found.index)
    matched = found.reindex(keys)
    hidden = (
        ~present
        | (matched["value"] == SUPPRESSED).to_numpy()
        | (matched["numerator"] == SUPPRESSED).to_numpy()
    )
    for part in PARTS:
        shown = [_number(v) if ok else float("nan") for v, ok in zip(matched[part], present, strict=True)]
        out[part] = out[part].astype("float64").where(own, pd.Series(shown, dtype="float64"))
    out["note"] = out["note"].astype(object).where(own | ~hidden, SUPPRESSED)
    for column in DESCRIBING:
        if column in out.columns:
            out[column] = out[column].astype(object).where(own | ~hidden, None)
    return out


def as_disclosed(frame: pd.DataFrame, shared: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (stored rows of ``kpi_results``) with its numbers, the columns that describe
    them and the note as ``shared`` (the same period disclosed for sharing) has them: "c"
    where hidden, as the files for sharing show (primary and secondary suppression, so the
    board's scorecard page hides what its export hides); a row ``shared`` lacks is hidden.

    >>> stored = pd.DataFrame({"kpi_id": ["x", "y"], "breakdown": ["all"] * 2, "group_name": ["all"] * 2,
    ...     "numerator": [7.0, 40.0], "denominator": [9.0, None], "value": [77.8, 40.0],
    ...     "note": [None, None], "status": ["red", "green"]})
    >>> shared = stored.assign(numerator=["c", 40], denominator=[9, ""], value=["c", 40],
    ...     status=["c", "green"])
    >>> as_disclosed(stored, shared)[["value", "status"]].values.tolist()
    [['c', 'c'], [40, 'green']]
    """
    if frame.empty:
        return frame
    found = shared.drop_duplicates(_ROW_KEY).set_index(_ROW_KEY)
    matched = found.reindex(pd.MultiIndex.from_frame(frame[_ROW_KEY]))
    present = matched.index.isin(found.index)
    out = frame.copy()
    for column in (*PARTS, *DESCRIBING, "note"):
        if column not in out.columns:
            continue
        if column in matched.columns:
            values = matched[column].to_numpy(dtype=object)
        else:
            values = out[column].to_numpy(dtype=object)
        out[column] = pd.Series(
            [
                v if ok else (SUPPRESSED if column in (*PARTS, *DESCRIBING) else None)
                for v, ok in zip(values, present, strict=True)
            ],
            index=out.index,
            dtype=object,
        )
    return out


def as_seen_by(
    user: User | None,
    engine: Engine,
    registry: Registry,
    threshold: int,
    frame: pd.DataFrame,
    period: tuple[str, Grain, date],
    cache: StoreCache | None = None,
) -> pd.DataFrame:
    """A page's operational rows of one LA and period (``period``: LA, grain, end) as the
    user may see them: :meth:`PeriodView.as_seen` over the frame's own indicators."""
    if frame.empty:
        return frame
    kpi_ids = tuple(sorted(set(frame["kpi_id"])))
    return PeriodView(user, engine, registry, threshold, period, kpi_ids, cache).as_seen(frame)


def shown_version(user: User | None, threshold: int) -> FileFor:
    """What the numbers a page shows this user are, for its downloads' words and first row:
    operational for whoever sees a whole LA; a partner's own rows as stored and the rest as
    shared; for sharing for anyone else (the board).

    >>> board = User(1, "b", "board")
    >>> shown_version(board, 5).audience, shown_version(User(2, "p", "partner", agency="Police"), 5).agency
    ('sharing', 'Police')
    """
    from scorecard.components.tables import FileFor

    if user is not None and not user.always_suppressed:
        return FileFor(OPERATIONAL, threshold)
    if user is not None and user.own_rows_only:
        return FileFor(OPERATIONAL, threshold, user.agency or "your agency")
    return FileFor(SHARING, threshold)


def marked_rows(frame: pd.DataFrame, shared: pd.DataFrame, own_groups: frozenset[str]) -> pd.DataFrame:
    """:func:`partner_rows`, with each numerator and denominator hidden for sharing shown as
    ``c`` (the columns become objects: numbers and "c") rather than missing, so a page can
    tell a hidden part from one that has no value.

    >>> stored = pd.DataFrame({"kpi_id": ["x"], "breakdown": ["all"], "group_name": ["all"],
    ...     "numerator": [2.0], "denominator": [40.0], "value": [5.0], "note": [None]})
    >>> shared = stored.assign(numerator="c", denominator=40, value="c")
    >>> seen = marked_rows(stored, shared, frozenset())
    >>> seen["numerator"].tolist(), seen["denominator"].tolist(), seen["note"].tolist()
    (['c'], [40.0], ['c'])
    """
    seen = partner_rows(frame, shared, own_groups)
    if seen.empty:
        return seen
    own = ((seen["breakdown"] == "agency") & seen["group_name"].isin(sorted(own_groups))).to_numpy()
    found = (
        shared.drop_duplicates(_ROW_KEY).set_index(_ROW_KEY).reindex(pd.MultiIndex.from_frame(seen[_ROW_KEY]))
    )
    for part in ("numerator", "denominator"):
        hidden = (found[part] == SUPPRESSED).to_numpy() & ~own
        if hidden.any():
            seen[part] = seen[part].astype(object).where(~hidden, SUPPRESSED)
    return seen


@dataclass
class PeriodView:
    """One page's numbers of one LA and period (``period``: LA, grain, end) as ``user`` may
    see them, for one request: as stored for whoever sees a whole LA operationally; for
    the board and partners (``User.always_suppressed``), the period disclosed for sharing
    (``metrics.disclosure.shared_view`` of ``kpi_ids``, the page's indicators), read once
    and reused by every table of the page.

    A partner knows its own agency's rows (it is shown them as stored), and could
    subtract them from a total like any published cell: its cells are disclosed with
    those rows known (``shared_view``'s ``known_groups``), which hides what everyone
    else's version hides and whatever more that knowledge would give away; its files
    hide the same cells, and its own rows as everyone's version does."""

    user: User | None
    engine: Engine
    registry: Registry
    threshold: int
    period: tuple[str, Grain, date]
    kpi_ids: tuple[str, ...]
    # The app's cache (``scorecard.store_cache``): a period disclosed once per store
    # fingerprint, not once per request. It is the same for every user who knows the same
    # groups (the key holds them), so it is kept before any user's filtering.
    cache: StoreCache | None = field(default=None, compare=False, repr=False)
    _cubes: dict[frozenset[str], pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    @property
    def for_sharing(self) -> bool:
        """True when the user sees this page's numbers suppressed (the board, partners)."""
        return self.user is None or self.user.always_suppressed

    @property
    def audience(self) -> str:
        """Who the page's files are for: :data:`SHARING` or :data:`OPERATIONAL`."""
        return SHARING if self.for_sharing else OPERATIONAL

    def own_groups(self) -> frozenset[str]:
        """A partner's own agency's groups in a breakdown by agency (none for anyone else)."""
        if self.user is None or not self.user.own_rows_only:
            return frozenset()
        return default_agencies().groups_of(self.user.agency)

    def _disclosed(self, known: frozenset[str]) -> pd.DataFrame:
        if known not in self._cubes:
            la_code, grain, period_end = self.period

            def disclosed() -> pd.DataFrame:
                return shared_view(
                    self.engine, la_code, grain, period_end, SHARING, self.threshold, self.registry,
                    self.kpi_ids, known_groups=known,
                )  # fmt: skip

            if self.cache is None:
                self._cubes[known] = disclosed()
            else:
                key = ("shared_view", self.period, self.threshold, self.kpi_ids, known)
                self._cubes[known] = self.cache.get(self.engine, key, disclosed)
        return self._cubes[known]

    def cube(self) -> pd.DataFrame:
        """The period's results of the page's indicators as disclosed for this user (read
        once): with a partner's own rows known."""
        return self._disclosed(self.own_groups())

    def file_cube(self) -> pd.DataFrame:
        """What this user's files show: :meth:`cube`, but its own rows as everyone's
        version shows them (a file can leave the organisation)."""
        own = self.own_groups()
        if not own:
            return self.cube()
        mine = self.cube(), self._disclosed(frozenset())

        def own_rows(cube: pd.DataFrame) -> pd.Series:
            return (cube["breakdown"] == "agency") & cube["group_name"].isin(sorted(own))

        return pd.concat([mine[0][~own_rows(mine[0])], mine[1][own_rows(mine[1])]], ignore_index=True)

    def as_seen(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``kpi_results`` of the period as the user may see them, missing where
        hidden (:func:`partner_rows`): as stored for whoever sees a whole LA operationally;
        for a partner its own rows as stored and the rest disclosed with them known (beside
        everyone's version, its own numbers could be subtracted from a total to give a lone
        hidden agency away); for the board, suppressed for sharing."""
        if not self.for_sharing or frame.empty:
            return frame
        return partner_rows(frame, self.cube(), self.own_groups())

    def seen(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``kpi_results`` of the period as shown on screen to the user."""
        if not self.for_sharing or frame.empty:
            return frame
        return marked_rows(frame, self.cube(), self.own_groups())

    def shared(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The same rows as a file for the user holds them: for sharing (no own rows as
        stored) for the board and partners."""
        if not self.for_sharing or frame.empty:
            return frame
        return marked_rows(frame, self.file_cube(), frozenset())
