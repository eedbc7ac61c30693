"""The pack and the chief executive summary as HTML for the PDF renderer.

Pure functions of :class:`scorecard.pack.data.PackData`: every text goes through
``markup.text`` (escaped), numbers through ``scorecard.formatting`` (so a hidden value
prints ``c`` exactly as on screen and in the CSV for sharing).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

from metrics.benchmarks import when_label
from metrics.registry import Indicator, Registry
from metrics.wording import column_words, kind_in_text, kind_words, plural
from scorecard.actions import Action, is_overdue
from scorecard.components.markup import tag, text
from scorecard.components.spc import assurance_text, variation_text
from scorecard.components.status import STATUS_TEXT, status_text
from scorecard.formatting import (
    direction_words,
    format_fraction,
    format_number,
    format_target,
    format_value,
    grain_label,
    is_missing,
    period_label,
)
from scorecard.pack.data import EARLY_HELP, FRONT_DOOR, PackData
from scorecard.pack.svg import spc_svg

MARKING = "OFFICIAL-SENSITIVE"
WITHHELD = "Withheld: the value is suppressed."


def _described(row: dict[str, Any], key: str, words: str) -> str:
    return "c" if row.get(key) == "c" else words


def audience_words(data: PackData) -> str:
    if data.sharing:
        return (
            f"Board (for sharing): counts from 1 to {data.threshold}, and the cells that would "
            "reveal them, are shown as c."
        )
    return "Clinic (operational): small numbers are NOT suppressed. Not for sharing outside the organisation."


def _period(data: PackData) -> str:
    return f"{grain_label(data.grain)} {period_label(data.grain, data.period_end)}"


def _comment(data: PackData, kpi: str) -> str:
    body = data.comments.get(kpi)
    if body and data.sharing and data.rows.get(kpi, {}).get("value") == "c":
        return WITHHELD
    return body or ""


def _actions_for(data: PackData, kpi: str) -> list[Action]:
    return [a for a in data.actions if a.scope.kpi_id == kpi and a.status == "open"]


def _action_text(data: PackData, actions: list[Action]) -> str:
    today = data.produced_at.date()
    return "; ".join(
        f"{a.body} ({a.owner}, due {a.due_date:%d %b %Y}{', OVERDUE' if is_overdue(a, today) else ''})"
        for a in actions
    )


def _bench(data: PackData, ind: Indicator) -> str:
    bench = data.benchmarks.get(ind.id)
    if bench is None:
        return ""
    return f"{format_value(bench.value, ind.type)} ({when_label(bench, ind)})"


def _table(head: list[str], rows: list[list[str]], caption: str, numeric: set[int], cls: str = "") -> str:
    return tag(
        "table",
        tag("caption", text(caption)),
        tag("thead", tag("tr", *(tag("th", text(h), scope="col") for h in head))),
        tag(
            "tbody",
            *(
                tag(
                    "tr",
                    *(
                        tag(
                            "th" if i == 0 else "td",
                            text(c),
                            scope="row" if i == 0 else None,
                            class_="num" if i in numeric else None,
                        )
                        for i, c in enumerate(row)
                    ),
                )
                for row in rows
            ),
        ),
        class_=cls or None,
    )


def _section(anchor: str, title: str, *body: str, level: int = 1) -> str:
    return tag("section", tag(f"h{level}", text(title), id=anchor), *body, class_="page")


def scorecard_rows(data: PackData, registry: Registry) -> list[list[str]]:
    """One row per indicator: the numbers exactly as the pack prints them."""
    rows = []
    for ind in registry:
        row = data.rows.get(ind.id)
        if row is None or ind.stage == "data_quality":
            continue
        rows.append(
            [
                ind.title,
                format_value(row.get("value"), ind.type, row.get("note")),
                format_fraction(ind.type, row.get("numerator"), row.get("denominator")),
                format_target(row.get("target"), ind.type),
                _described(row, "status", status_text(row.get("status"))),
                _described(row, "direction", direction_words(row.get("direction"), ind.polarity)[1]),
                _described(row, "variation", variation_text(row.get("variation"))),
                _bench(data, ind),
                "Yes" if _actions_for(data, ind.id) else "",
            ]
        )
    return rows


def _cover(data: PackData) -> str:
    data_to = (
        ", ".join(f"{kind_in_text(kind)} {day:%d %b %Y}" for kind, day in sorted(data.data_to.items()))
        or "no extracts"
    )
    facts = [
        ("Local authority", data.la_code),
        ("Period", _period(data)),
        ("Audience", audience_words(data)),
        ("Data to (latest date per extract)", data_to),
        ("Coverage", data.coverage),
        ("Produced", f"{data.produced_at:%d %B %Y %H:%M} by {data.produced_by}"),
        ("Protective marking", MARKING),
    ]
    return tag(
        "section",
        tag("p", text(MARKING), class_="marking"),
        tag("h1", text("Partnership scorecard: board pack"), id="cover"),
        tag(
            "p",
            text(f"Local safeguarding children partnership, LA {data.la_code}, {_period(data)}"),
            class_="lede",
        ),
        tag("dl", *(tag("dt", text(k)) + tag("dd", text(v)) for k, v in facts)),
        class_="cover",
    )


def _contents(data: PackData) -> str:
    entries = [("exceptions", "Summary of exceptions"), ("scorecard", "The scorecard")]
    entries += [(f"exception-{e.ind.id}", e.ind.title) for e in data.exceptions]
    entries += [("partners", "Partners"), ("quality", "Data quality"), ("definitions", "Definitions")]
    return _section(
        "contents",
        "Contents",
        tag(
            "ol",
            *(tag("li", tag("a", text(title), href=f"#{anchor}", class_="toc")) for anchor, title in entries),
        ),
    )


def _exceptions(data: PackData) -> str:
    if not data.exceptions:
        return _section(
            "exceptions", "Summary of exceptions", tag("p", text("No indicator is an exception."))
        )
    rows = []
    for exc in data.exceptions:
        row = data.rows[exc.ind.id]
        rows.append(
            [
                exc.ind.title,
                ", ".join(exc.reasons),
                format_value(row.get("value"), exc.ind.type, row.get("note")),
                format_target(row.get("target"), exc.ind.type),
                _bench(data, exc.ind),
                _action_text(data, _actions_for(data, exc.ind.id)) or "None recorded",
            ]
        )
    head = ["Indicator", "Why", "Value", "Target", "England", "Clinic action"]
    return _section("exceptions", "Summary of exceptions", _table(head, rows, "Exceptions", {2, 3, 4}))


def _scorecard(data: PackData, registry: Registry) -> str:
    head = [
        "Indicator",
        "Value",
        "Numerator and denominator",
        "Target",
        "Status",
        "Direction",
        "SPC",
        "England",
        "Action",
    ]
    return _section(
        "scorecard",
        "The scorecard",
        _table(
            head,
            scorecard_rows(data, registry),
            f"Every indicator, {_period(data)}",
            {1, 2, 3, 7},
            "scorecard",
        ),
        tag("p", text(data.benchmark_note), class_="muted") if data.benchmark_note else "",
    )


def _exception_page(data: PackData, exc: Any) -> str:
    ind: Indicator = exc.ind
    row = data.rows[ind.id]
    series = data.series.get(ind.id)
    limits = data.limits.get(ind.id) or {}
    labels, values = [], []
    if series is not None:
        labels = [period_label("month", d) for d in series["period_end"]]
        values = [None if is_missing(v) else float(v) for v in series["value"]]
    chart = spc_svg(
        labels,
        values,
        limits.get("mean"),
        limits.get("lower_limit"),
        limits.get("upper_limit"),
        f"{ind.title}: monthly values with mean and control limits",
    )
    breakdown = data.breakdowns.get(ind.id)
    groups = []
    if breakdown is not None:
        for r in breakdown.to_dict("records"):
            groups.append(
                [
                    f"{r['breakdown']}: {r['group_name']}",
                    format_value(r["value"], ind.type, r.get("note")),
                    format_fraction(ind.type, r["numerator"], r["denominator"]),
                ]
            )
    facts = [
        ("Value", format_value(row.get("value"), ind.type, row.get("note"))),
        ("Target", format_target(row.get("target"), ind.type) or "none"),
        ("Status", _described(row, "status", status_text(row.get("status")))),
        ("SPC", _described(row, "variation", variation_text(row.get("variation")))),
        ("Assurance", _described(row, "assurance", assurance_text(row.get("assurance")))),
        ("England", _bench(data, ind) or "no comparable published figure"),
        ("Why it is here", ", ".join(exc.reasons)),
        ("Commentary", _comment(data, ind.id) or "None for this period"),
        ("Actions", _action_text(data, _actions_for(data, ind.id)) or "None recorded"),
    ]
    return _section(
        f"exception-{ind.id}",
        ind.title,
        tag("dl", *(tag("dt", text(k)) + tag("dd", text(v)) for k, v in facts), class_="facts"),
        tag(
            "figure",
            chart,
            tag("figcaption", text("Monthly values, mean (solid) and control limits (dashed).")),
        ),
        _table(
            ["Group", "Value", "Numerator and denominator"], groups, "Breakdown by locality and team", {1, 2}
        )
        if groups
        else "",
        level=2,
    )


def _partners(data: PackData, registry: Registry) -> str:
    frame = data.partners
    blocks = []
    for title, kpis in (
        ("The front door by source agency", FRONT_DOOR),
        ("Early help by lead agency", EARLY_HELP),
    ):
        part = frame[frame["kpi_id"].isin(kpis)] if not frame.empty else frame
        if part.empty:
            blocks.append(tag("p", text(f"{title}: no results by agency for this period.")))
            continue
        by = {(r["kpi_id"], r["group_name"]): r for r in part.to_dict("records")}
        agencies = sorted({g for _, g in by})
        present = [k for k in kpis if any((k, g) in by for g in agencies)]
        rows = []
        for agency in agencies:
            cells = [agency]
            for kpi in present:
                r = by.get((kpi, agency))
                cells.append(format_value(r["value"], registry[kpi].type, r.get("note")) if r else "n/a")
            rows.append(cells)
        head = ["Agency", *(registry[k].title for k in present)]
        blocks.append(_table(head, rows, title, set(range(1, len(head)))))
    return _section("partners", "Partners", *blocks)


def _quality(data: PackData, registry: Registry) -> str:
    """Loads and rejects of the period per partner and kind; completeness and recording
    lag of the period by extract (the reading is in ``scorecard.pack.data``)."""
    # The period's records per partner are counts of children's records: for sharing they
    # are left out (a partner's share of a kind is the kind's total minus the others).
    records = not data.sharing
    rows = [
        [
            str(r["partner"]),
            kind_words(str(r["kind"])),
            format_number(r["loads"]),
            *([format_number(r["records"])] if records else []),
            format_number(r["read"]),
            format_number(r["rejected"]),
            f"{r['last']:%d %b %Y}" if not is_missing(r["last"]) else "",
        ]
        for r in data.quality.to_dict("records")
    ]
    head = ["Partner", "Extract", "Loads", *(["Records of the period"] if records else [])]
    head += ["Rows read", "Rows rejected", "Last load"]
    caption = (
        f"Loads that brought the data of {_period(data)}, per partner (rows read and rejected: whole loads)"
    )
    loads = (
        _table(head, rows, caption, set(range(2, len(head) - 1)))
        if rows
        else tag("p", text(f"No stored record of LA {data.la_code} falls in {_period(data)}."))
    )
    return _section("quality", "Data quality", loads, _extracts_quality(data, registry))


def _number(value: Any) -> float:
    """A shown number, or infinity for a blank or hidden cell (sorts last, never "low")."""
    return float(value) if isinstance(value, int | float) and not is_missing(value) else math.inf


def _extracts_quality(data: PackData, registry: Registry) -> str:
    """One row per extract kind: recording lag, rows rejected at load, and the optional
    fields not always completed (lowest first; a field complete in every row is left out
    to keep the page short, and the count of those is given)."""
    frame = data.quality_rows
    if frame.empty or not all(k in registry for k in ("dq_completeness", "dq_recording_lag_5wd")):
        return tag("p", text("Completeness and recording lag were not computed for the period."))

    def shown(kpi: str, r: Mapping[Any, Any]) -> str:
        ind = registry[kpi]
        fraction = format_fraction(ind.type, r["numerator"], r["denominator"])
        value = format_value(r["value"], ind.type, r.get("note"))
        return f"{value} ({fraction})" if fraction else value

    by_kind: dict[str, dict[str, Any]] = {}
    for r in frame.to_dict("records"):
        kind, _, column = str(r["group_name"]).partition(".")
        entry = by_kind.setdefault(kind, {"lag": "", "rejected": "", "fields": [], "complete": 0})
        if r["kpi_id"] == "dq_recording_lag_5wd":
            entry["lag"] = shown("dq_recording_lag_5wd", r)
        elif r["kpi_id"] == "dq_rejected_rows":
            entry["rejected"] = shown("dq_rejected_rows", r)
        elif column and (r["value"] == "c" or _number(r["value"]) < 100):
            words = column_words(kind, column)
            entry["fields"].append((_number(r["value"]), f"{words} {shown('dq_completeness', r)}"))
        elif column:
            entry["complete"] += 1
    rows = []
    for kind, entry in sorted(by_kind.items()):
        fields = [words for _, words in sorted(entry["fields"], key=lambda f: f[0])]
        if entry["complete"]:
            others = plural(entry["complete"], "other field")
            fields.append(f"{others} complete in every row")
        rows.append([kind_words(kind), entry["lag"], entry["rejected"], "; ".join(fields)])
    head = [
        "Extract",
        "Entered over 5 working days late",
        "Rows rejected by the loads made in the period",
        "Optional fields completed",
    ]
    return _table(head, rows, f"Completeness and timeliness by extract, {_period(data)}", set())


def _definitions(registry: Registry) -> str:
    items = []
    for ind in registry:
        text_ = ind.definition
        if ind.numerator:
            text_ += f" Numerator: {ind.numerator} Denominator: {ind.denominator}"
        items.append(tag("dt", text(ind.title)) + tag("dd", text(text_)))
    return _section("definitions", "Definitions", tag("dl", *items, class_="definitions"))


def _document(data: PackData, title: str, body: str, css: str) -> str:
    banner = "OFFICIAL-SENSITIVE – " + (
        "board (for sharing)" if data.sharing else "clinic (operational, not for sharing)"
    )
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{text(title)}</title>"
        f'<meta name="author" content="{text(data.produced_by)}">'
        f'<meta name="description" content="{text(audience_words(data))}">'
        f"<style>{css}</style></head><body>"
        f'<div class="running">{text(banner)}</div>{body}</body></html>'
    )


def pack_html(data: PackData, registry: Registry, css: str) -> str:
    """The whole pack."""
    title = f"Board pack, LA {data.la_code}, {_period(data)}"
    body = "".join(
        [
            _cover(data),
            _contents(data),
            _exceptions(data),
            _scorecard(data, registry),
            *(_exception_page(data, e) for e in data.exceptions),
            _partners(data, registry),
            _quality(data, registry),
            _definitions(registry),
        ]
    )
    return _document(data, title, body, css)


def _ranked(data: PackData, registry: Registry, worse: bool) -> list[Indicator]:
    """Five concerns (or improvements): SPC signal first, then status, then direction."""
    scored = []
    for ind in registry:
        row = data.rows.get(ind.id)
        if row is None or ind.stage == "data_quality" or row.get("value") == "c":
            continue
        variation = str(row.get("variation") or "")
        status = row.get("status")
        direction = row.get("direction")
        if worse:
            score = 4 * variation.startswith("concern") + 2 * (status == "red") + (status == "amber")
            score += direction == "worsening"
        else:
            score = (
                4 * variation.startswith("improvement") + 2 * (status == "green") + (direction == "improving")
            )
        if score > (0 if worse else 1):
            scored.append((-score, registry.ids().index(ind.id), ind))
    return [ind for *_, ind in sorted(scored)[:5]]


def _title(registry: Registry, kpi_id: str) -> str:
    return registry[kpi_id].title if kpi_id in registry else kpi_id


def summary_html(data: PackData, registry: Registry, css: str) -> str:
    """The chief executive's one page."""
    counts = Counter(r.get("status") for r in data.rows.values())
    headline = ", ".join(f"{counts.get(s, 0)} {STATUS_TEXT[s].lower()}" for s in ("green", "amber", "red"))
    hidden = counts.get("c", 0)
    if hidden:
        headline += f" ({hidden} not shown: small numbers)"

    def lines(inds: list[Indicator]) -> str:
        if not inds:
            return tag("p", text("None this period."))
        items = []
        for ind in inds:
            row = data.rows[ind.id]
            comment = _comment(data, ind.id)
            line = f"{ind.title}: {format_value(row.get('value'), ind.type, row.get('note'))}"
            target = format_target(row.get("target"), ind.type)
            line += f" (target {target})" if target else ""
            line += f", {variation_text(row.get('variation')).lower()}"
            items.append(
                tag("li", text(line), tag("span", text(comment), class_="comment") if comment else "")
            )
        return tag("ol", *items)

    today = data.produced_at.date()
    overdue = [a for a in data.actions if is_overdue(a, today)]
    overdue_html = (
        tag(
            "ul",
            *(
                tag(
                    "li",
                    text(
                        f"{_title(registry, a.scope.kpi_id)}: {a.body} ({a.owner}, due {a.due_date:%d %b %Y})"
                    ),
                )
                for a in overdue
            ),
        )
        if overdue
        else tag("p", text("No action is overdue."))
    )
    body = tag(
        "section",
        tag("p", text(MARKING), class_="marking"),
        tag("h1", text(f"Chief executive summary: LA {data.la_code}, {_period(data)}"), id="summary"),
        tag("p", text(f"Indicators with a target: {headline}."), class_="headline"),
        tag("p", text(audience_words(data)), class_="audience"),
        tag(
            "div",
            tag("h2", text("The five biggest concerns")),
            lines(_ranked(data, registry, True)),
            class_="col",
        ),
        tag(
            "div",
            tag("h2", text("The five biggest improvements")),
            lines(_ranked(data, registry, False)),
            class_="col",
        ),
        tag("h2", text("Actions overdue")),
        overdue_html,
        tag("p", text(f"Produced {data.produced_at:%d %B %Y %H:%M} by {data.produced_by}."), class_="muted"),
        class_="summary",
    )
    return _document(data, f"Chief executive summary, LA {data.la_code}, {_period(data)}", body, css)
