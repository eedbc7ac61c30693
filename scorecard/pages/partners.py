"""Partners: the front door by source agency (contacts, conversion, referrals, NFA,
re-referrals) and early help by lead agency, for one LA and period.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from metrics import results
from metrics.disclosure import SHARING
from metrics.registry import Registry, Tag
from scorecard.components.charts import group_bars
from scorecard.components.partner_measures import measures_table, owned_by_agency
from scorecard.components.tables import FileFor, download_link, frame_table
from scorecard.context import AppContext
from scorecard.formatting import format_number, format_value, is_missing, la_name, period_label
from scorecard.pagekit import (
    PERIOD_KEYS,
    filtered_page_module,
    no_results,
    rows_by_kpi,
)
from scorecard.sharing import PeriodView, as_seen_by, shown_version
from scorecard.state import Filters
from scorecard.websecurity import signed_in_user
from store.measures import agency_code

PREFIX = "partners"
INCLUDE = PERIOD_KEYS


def by_agency(registry: Registry, tag: Tag) -> tuple[str, ...]:
    """A section's indicators (by tag, in their places) that break down by agency."""
    return tuple(i.id for i in registry.tagged(tag) if "agency" in i.breakdowns)


def agency_table(
    registry: Registry,
    frame: pd.DataFrame,
    kpi_ids: tuple[str, ...],
    label: str,
    parts: bool = False,
) -> pd.DataFrame:
    """One row per agency and a value column per indicator; with ``parts``, the numerator
    and denominator of each percentage too (for the download)."""
    rows = {(r["kpi_id"], r["group_name"]): r for r in frame.to_dict("records")}
    groups = sorted({group for _, group in rows})
    table: dict[str, list[str]] = {label: groups}
    for kpi_id in kpi_ids:
        ind = registry[kpi_id]
        found = [rows.get((kpi_id, g)) for g in groups]
        table[ind.title] = [format_value(r["value"], ind.type, r["note"]) if r else "n/a" for r in found]
        if parts and ind.type == "percentage":
            for part in ("numerator", "denominator"):
                table[f"{ind.title}: {part}"] = [
                    format_number(r[part]) if r and not is_missing(r[part]) else "" for r in found
                ]
    return pd.DataFrame(table)


def _bars(
    registry: Registry,
    frame: pd.DataFrame,
    kpi_id: str,
    word: str,
    filters: Filters,
    section_id: str,
    shared: tuple[pd.DataFrame, int] | None = None,
    version: FileFor | None = None,
) -> html.Section | None:
    """One indicator by agency as bars, largest first (``shared``: the period after
    disclosure control and the threshold, for the download for sharing; ``version``:
    what the numbers shown are)."""
    assert filters.period_end is not None
    ind = registry[kpi_id]
    period = period_label(filters.grain, filters.period_end)
    return group_bars(
        section_id,
        f"{ind.title} by {word.lower()}, {period}",
        frame[frame["kpi_id"] == kpi_id],
        ind,
        word,
        f"{kpi_id}_by_agency_LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}.csv",
        shared_rows=None if shared is None else _agency_rows(shared[0], (kpi_id,)),
        threshold=5 if shared is None else shared[1],
        version=version,
    )


def _agency_rows(cube: pd.DataFrame, kpi_ids: tuple[str, ...]) -> pd.DataFrame:
    return cube[(cube["breakdown"] == "agency") & cube["kpi_id"].isin(kpi_ids)]


def _charts(
    registry: Registry,
    frame: pd.DataFrame,
    tag: Tag,
    word: str,
    filters: Filters,
    shared: tuple[pd.DataFrame, int] | None = None,
    version: FileFor | None = None,
) -> list[html.Section | None]:
    """The section's indicators tagged ``agency_chart``, each as bars by agency."""
    section = {i.id for i in registry.tagged(tag)}
    return [
        _bars(registry, frame, ind.id, word, filters, f"{PREFIX}-{ind.id.replace('_', '-')}", shared, version)
        for ind in registry.tagged("agency_chart")
        if ind.id in section
    ]


def _table_block(
    shown: pd.DataFrame,
    full: pd.DataFrame,
    caption: str,
    filename: str,
    shared: pd.DataFrame,
    version: FileFor,
) -> html.Div:
    """The table of values, and downloads with numerators and denominators as well: as
    shown (operational; for a partner, its own rows as stored and the rest as shared, and
    the file's first row says so), and for sharing (after disclosure control)."""
    numeric = tuple(shown.columns[1:])
    table = frame_table(shown, caption=caption, numeric=numeric, row_header=shown.columns[0])
    label = "Download this table with numerators and denominators"
    words = (
        "operational"
        if version.agency is None
        else f"{version.agency}'s rows unsuppressed, the rest as shared"
    )
    for_sharing = download_link(shared, filename, f"{label} (CSV, for sharing)", SHARING, version.threshold)
    if version.audience == SHARING:  # the numbers shown are the shared ones: one download
        return html.Div([table, for_sharing])
    as_shown = download_link(full, filename, f"{label} (CSV, {words})", first_line=version.first_line)
    return html.Div([table, as_shown, html.Br(), for_sharing])


def partners_view(app: AppContext, filters: Filters) -> Any:
    if filters.la is None or filters.period_end is None:
        return no_results()
    period = period_label(filters.grain, filters.period_end)
    front_door = by_agency(app.registry, "front_door")
    early_help = by_agency(app.registry, "early_help")
    front = results.breakdown_results(
        app.engine, filters.la, filters.grain, filters.period_end, "agency", front_door
    )
    early = results.breakdown_results(
        app.engine, filters.la, filters.grain, filters.period_end, "agency", early_help
    )
    stem = f"LA{filters.la}_{filters.grain}_{filters.period_end:%Y-%m}"
    threshold = app.settings.suppression_threshold
    # A partner: its own agency's rows as stored, the others as shared (scorecard.access).
    user, period_key = signed_in_user(), (filters.la, filters.grain, filters.period_end)
    view = PeriodView(
        user, app.engine, app.registry, threshold, period_key, (*front_door, *early_help), app.cache
    )
    front, early = view.as_seen(front), view.as_seen(early)
    version = shown_version(user, threshold)
    # The downloads for sharing: for a partner, disclosed knowing its own rows as the screen
    # is, with those rows as everyone's version shows them (PeriodView.file_cube), so the
    # file beside the screen gives no hidden cell away.
    cube = view.file_cube()
    out: list[Any] = [*own_measures(app, filters, front)]
    out.append(html.H2(f"The front door by source agency, {la_name(filters.la)}, {period}"))
    if front.empty:
        out.append(html.P("No front-door results by agency are stored for this period."))
    else:
        shown = agency_table(app.registry, front, front_door, "Source agency")
        full = agency_table(app.registry, front, front_door, "Source agency", parts=True)
        caption = f"Contacts and referrals by source agency, {period}"
        out += [
            _table_block(
                shown,
                full,
                caption,
                f"front_door_by_agency_{stem}.csv",
                agency_table(app.registry, _agency_rows(cube, front_door), front_door, "Source agency", True),
                version,
            ),
            *_charts(app.registry, front, "front_door", "Source agency", filters, (cube, threshold), version),
        ]
    out.append(html.H2(f"Early help by lead agency, {la_name(filters.la)}, {period}"))
    if early.empty:
        out.append(html.P("No early help results by lead agency are stored for this period."))
    else:
        shown = agency_table(app.registry, early, early_help, "Lead agency")
        full = agency_table(app.registry, early, early_help, "Lead agency", parts=True)
        out += [
            _table_block(
                shown,
                full,
                f"Early help by lead agency, {period}",
                f"early_help_by_agency_{stem}.csv",
                agency_table(app.registry, _agency_rows(cube, early_help), early_help, "Lead agency", True),
                version,
            ),
            *_charts(app.registry, early, "early_help", "Lead agency", filters, (cube, threshold), version),
        ]
    return out


def _front_door_words(registry: Registry, front: pd.DataFrame, agency: str) -> str:
    """ "Its front-door figures: Contacts received 120; ..." for one agency (in the
    registry's order), or why there is nothing."""
    mine = rows_by_kpi(front[front["group_name"] == agency]) if not front.empty else {}
    parts = [
        f"{ind.title} {format_value(mine[ind.id]['value'], ind.type, mine[ind.id]['note'])}"
        for ind in registry.tagged("front_door")
        if ind.id in mine
    ]
    if not parts:
        return f"No front-door results are stored for {agency} in this period."
    return "Its front-door figures: " + "; ".join(parts) + "."


def measures_as_seen(
    app: AppContext, filters: Filters, kpi_ids: list[str], agencies: dict[str, tuple[Any, ...]]
) -> pd.DataFrame:
    """The partner measures' rows of the period as the signed-in user may see them: as
    stored for a whole LA's operational roles; for a partner, its own agency's measures as
    stored and every other agency's as shared (the partners' rule in scorecard/access.py)."""
    assert filters.la is not None and filters.period_end is not None
    key = (filters.la, filters.grain, filters.period_end)
    frame = results.period_results(app.engine, *key, kpi_ids=kpi_ids)
    user = signed_in_user()
    threshold = app.settings.suppression_threshold
    seen = as_seen_by(user, app.engine, app.registry, threshold, frame, key, app.cache)
    if user is None or not user.own_rows_only or frame.empty:
        return seen
    code = agency_code(user.agency or "")
    own = {m.kpi_id for owned in agencies.values() for m in owned if code is not None and m.owner == code}
    return pd.concat([seen[~seen["kpi_id"].isin(own)], frame[frame["kpi_id"].isin(own)]], ignore_index=True)


def own_measures(app: AppContext, filters: Filters, front: pd.DataFrame) -> list[Any]:
    """Each owning agency's own measures (the pm_* indicators of the measures file) beside
    its front-door figures; a sentence where an agency has no figures yet."""
    assert filters.la is not None and filters.period_end is not None
    period = period_label(filters.grain, filters.period_end)
    heading = html.H2(f"Each partner's own measures, {la_name(filters.la)}, {period}")
    agencies = owned_by_agency(app.measures)
    if not agencies:
        return [heading, html.P("The partnership's measures file declares no partner measures.")]
    kpi_ids = [m.kpi_id for owned in agencies.values() for m in owned if m.kpi_id in app.registry]
    frame = measures_as_seen(app, filters, kpi_ids, agencies)
    rows = rows_by_kpi(frame)
    out: list[Any] = [heading]
    for agency, owned in agencies.items():
        section_id = f"{PREFIX}-own-{owned[0].owner.replace('_', '-')}"
        table = measures_table(app.registry, rows, [m.kpi_id for m in owned])
        if table.empty:
            titles = "; ".join(m.title for m in owned)
            body: Any = html.P(
                f"No figures for {agency}'s own measures are stored for this period ({titles}).",
                className="sc-note",
            )
        else:
            body = frame_table(
                table,
                caption=f"{agency}'s own measures, {period}",
                numeric=("Value", "Target"),
                row_header="Measure",
            )
        out.append(
            html.Section(
                [
                    html.H3(agency, className="h5"),
                    html.P(_front_door_words(app.registry, front, agency)),
                    body,
                ],
                id=section_id,
            )
        )
    return out


LEDE = (
    "Each partner's part in the front door: how many contacts they make, how many "
    "become referrals, how many end in no further action or come back within a "
    "year; who leads early help; and each partner's own measures."
)


PAGE = filtered_page_module(__name__, "Partners", "/partners", 3, LEDE, partners_view, PREFIX, INCLUDE)
layout, show_partners, register = PAGE.layout, PAGE.show, PAGE.register
update_filter_options = PAGE.update_filter_options
