"""The dashboard's pure pieces: formatting, status and direction words, sparklines, SPC
text, tables and CSV escaping, the filters bar and filter state."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import unquote

import pandas as pd
import pytest

from scorecard.components import filters as filters_component
from scorecard.components.charts import bar_chart, chart_section
from scorecard.components.markup import link, raw, tag, text
from scorecard.components.sparkline import sparkline
from scorecard.components.spc import (
    assurance_icon,
    spc_figure,
    spc_message,
    variation_icon,
    variation_text,
)
from scorecard.components.status import direction_html, status_badge
from scorecard.components.tables import csv_text, download_link, frame_table, table_html
from scorecard.formatting import format_fraction, format_target, format_value, period_label
from scorecard.state import ALL, FilterOptions, Filters


@pytest.mark.parametrize(
    ("value", "kind", "note", "expected"),
    [
        (28.90695, "percentage", None, "28.9%"),
        (100.0, "percentage", None, "100.0%"),
        (201.77, "rate", None, "201.8"),
        (1234567.0, "count", None, "1,234,567"),
        (31.5, "median", None, "31.5"),
        (0.0, "percentage", None, "0.0%"),
        (None, "percentage", "n/a: no referrals in the period", "n/a: no referrals in the period"),
        (float("nan"), "percentage", None, "n/a"),
        (float("nan"), "rate", float("nan"), "n/a"),
        ("c", "percentage", None, "c"),
    ],
)
def test_values_have_one_decimal_separators_and_never_nan(value, kind, note, expected) -> None:
    text = format_value(value, kind, note)
    assert text == expected
    assert "nan" not in text.lower().replace("n/a", "")


def test_fractions_targets_and_periods_in_words() -> None:
    assert format_fraction("percentage", 320.0, 1107.0) == "320 of 1,107"
    assert format_fraction("rate", 1251.0, 62000.0) == "1,251 per 62,000 children"
    assert format_fraction("median", 33.0, 290.0) == "median of 290"
    assert format_fraction("count", 5.0, None) == ""
    assert format_target(None, "percentage") == ""
    assert format_target(85.0, "percentage") == "85.0%"
    assert period_label("quarter", date(2025, 3, 31)) == "Q4 2024-25"
    assert period_label("r12", date(2025, 3, 31)) == "12 months to Mar 2025"


def test_status_and_direction_always_have_words() -> None:
    assert status_badge("green") == '<span class="sc-tag sc-status-green">On target</span>'
    assert "Outside tolerance" in status_badge("red")
    assert "No target" in status_badge(None) and "No target" in status_badge(float("nan"))
    cell = direction_html("improving", "down")
    assert '<span class="sc-arrow" aria-hidden="true">▼</span> Improving' in cell
    assert "No earlier period to compare" in direction_html(None, "up")
    assert "No earlier period to compare" in direction_html(float("nan"), "up")


def test_markup_escapes_everything_and_never_breaks_a_line() -> None:
    assert text('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert "\n" not in text("a\n\nb") and "&#10;&#10;" in text("a\n\nb")
    assert tag("td", "x", class_="a", hidden=True, title=None) == '<td class="a" hidden>x</td>'
    assert link("A & B", "/x?a=1&b=2") == '<a href="/x?a=1&amp;b=2" data-dash-link="true">A &amp; B</a>'
    component = raw("<p>x</p>", component_id="demo")
    assert component.dangerously_allow_html is True and component.children == "<div><p>x</p></div>"


def test_sparkline_is_inline_svg_named_by_its_values() -> None:
    svg = sparkline(
        [1.0, 2.0, None, 4.0],
        ["Jan 2025 1", "Feb 2025 2", "Mar 2025 n/a", "Apr 2025 4"],
        "Contacts",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert svg.count("<polyline") == 2  # the missing month breaks the line
    assert 'aria-label="Contacts, last 4 months: Jan 2025 1, Feb 2025 2' in svg
    assert "<title>Contacts, last 4 months" in svg
    assert len(svg) < 1200
    assert "No trend yet" in sparkline([None, None], ["a", "b"], "x")
    assert "nan" not in sparkline([5.0, 5.0, 5.0], ["a", "b", "c"], "flat")


def test_spc_icons_and_titles_say_what_they_mean() -> None:
    icon = variation_icon("concern_high")
    assert 'title="Special cause concern (high)"' in icon and "sc-ring-concern" in icon
    assert '<span class="visually-hidden">Special cause concern (high)</span>' in icon
    assert "Consistently misses the target" in assurance_icon("fail")
    assert "Too few months for limits" in variation_icon(None)
    assert variation_text(None) == "Too few months for limits"
    assert spc_message("Referrals", "common_cause", 36).endswith(
        "no significant change (common cause variation)"
    )
    assert "significantly worse" in spc_message("Re-referrals", "concern_high", 36)
    assert "3 of 12" in spc_message("New", None, 3)


def test_spc_chart_shapes_and_colours_each_class() -> None:
    months = [date(2024, m, 28) for m in range(1, 13)]
    values = [10.0] * 11 + [30.0]
    classes = ["common_cause"] * 11 + ["concern"]
    fig = spc_figure(
        months, values, classes, {"mean": 11.0, "lower_limit": 5.0, "upper_limit": 17.0}, 12.0, "%"
    )
    names = [t.get("name") for t in fig["data"]]
    assert {"Common cause", "Concern", "Mean", "Upper limit", "Lower limit", "Target"} <= set(names)
    concern = next(t for t in fig["data"] if t.get("name") == "Concern")
    assert concern["marker"]["color"] == "#e46c0a" and concern["marker"]["symbol"] == "square"
    assert concern["x"] == [months[-1]]
    import plotly.graph_objects as go

    go.Figure(fig)  # a valid figure for plotly


def test_csv_escapes_formulas_and_keeps_numbers() -> None:
    frame = pd.DataFrame(
        {
            "Group": ["=1+1", "+cmd", "-x", "@SUM(A1)", "\tTab", "\rCR", "Plain"],
            "Value": [1, 2, -3, 4, 5, 6, None],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    assert rows[1] == ["'=1+1", "1"]
    assert rows[2] == ["'+cmd", "2"]
    assert rows[3] == ["'-x", "-3"]  # a negative number stays a number
    assert rows[4] == ["'@SUM(A1)", "4"]
    assert rows[5] == ["'\tTab", "5"] and rows[6] == ["'\rCR", "6"]
    assert rows[-1] == ["Plain", ""]
    link = download_link(frame, "x.csv")
    assert link.download == "x_operational.csv" and link.href.startswith("data:text/csv")
    first = unquote(link.href.partition(",")[2]).lstrip("\ufeff").splitlines()[0]
    assert first.startswith("OPERATIONAL - NOT FOR SHARING")
    shared = download_link(frame, "x.csv", audience="sharing", threshold=5)
    assert shared.download == "x_sharing.csv" and "FOR SHARING" in unquote(shared.href)


def test_tables_have_captions_scopes_and_right_aligned_numbers() -> None:
    frame = pd.DataFrame({"Agency": ["Police <b>"], "Contacts": ["1,200"]})
    markup = table_html(frame, caption="Contacts by agency", numeric=("Contacts",), row_header="Agency")
    assert "<caption>Contacts by agency</caption>" in markup
    assert '<th scope="col">Agency</th><th scope="col" class="text-end">Contacts</th>' in markup
    assert '<th scope="row">Police &lt;b&gt;</th><td class="text-end sc-num">1,200</td>' in markup
    component = frame_table(frame, caption="Contacts by agency")
    assert "table-responsive" in component.children


def test_every_chart_has_a_summary_a_table_and_a_download() -> None:
    fig = bar_chart(["A", "B"], [2.0, None], ["2.0%", "n/a"], "%")
    assert fig["data"][0]["x"] == [2.0, None]  # no value: no bar (its label says n/a), not a 0
    section = chart_section(
        "demo", "A is highest", "A has 2.0%.", fig, pd.DataFrame({"Group": ["A"]}), "demo.csv"
    )
    heading, summary, graph, details = section.children
    assert heading.children == "A is highest" and summary.children == "A has 2.0%."
    assert graph.role == "img" and "A has 2.0%." in graph.to_plotly_json()["props"]["aria-label"]
    assert details.children[0].children == "Show as table"
    assert "<caption>A is highest</caption>" in details.children[1].children
    assert details.children[2].download == "demo_operational.csv"
    shared = chart_section(
        "demo",
        "A",
        "s",
        fig,
        pd.DataFrame({"Group": ["A"]}),
        "demo.csv",
        shared=(pd.DataFrame({"Group": ["c"]}), 5),
    )
    assert shared.children[3].children[-1].download == "demo_sharing.csv"


def test_filters_bar_labels_every_control_and_records_url_keys() -> None:
    filters = Filters(la="394", grain="month", period_end=date(2025, 3, 31))
    options = FilterOptions(las=["394"], localities=["North"], teams=["Team A"])
    bar = filters_component.filters_bar("demo", filters, options)
    cols = bar.children[0].children
    for col in cols:
        label, control = col.children
        assert label.html_for == control.id
    assert [c.children[1].id for c in cols] == [
        "demo-la",
        "demo-grain",
        "demo-period",
        "demo-locality",
        "demo-team",
    ]
    store = next(c for c in bar.children if getattr(c, "id", None) == "demo-url-keys")
    assert store.data == ["la", "grain", "period", "locality", "team"]


def test_filter_state_round_trips_through_the_url() -> None:
    f = Filters(la="394", grain="r12", period_end=date(2024, 2, 29), locality="North")
    assert f.query() == {"la": "394", "grain": "r12", "period": "2024-02", "locality": "North"}
    assert f.breakdown == ("locality", "North")
    assert f.query_string(("la", "grain")) == "?la=394&grain=r12"
    assert Filters(la=None).breakdown == ("all", "all") and Filters(la="1").team == ALL


def test_pages_default_to_the_reporting_window() -> None:
    from metrics.periods import periods_ending
    from scorecard.state import offered_periods

    stored = sorted(periods_ending("month", date(2020, 2, 1), date(2026, 11, 1)), reverse=True)
    window = (date(2023, 4, 1), date(2026, 3, 20))
    offered, default = offered_periods(stored, window, within_window=True)
    assert default is not None and default.end == date(2026, 3, 31)
    assert offered[0].end == date(2026, 3, 31) and offered[-1].end == date(2023, 4, 30)
    every, default = offered_periods(stored, window, within_window=False)
    assert every == stored and default is not None and default.end == date(2026, 3, 31)
    assert offered_periods(stored, None, True) == (stored, stored[0])
    assert offered_periods([], window, True) == ([], None)


def test_spc_limits_are_drawn_within_what_the_measure_can_take() -> None:
    from datetime import date

    from scorecard.components.spc import natural_bounds, spc_figure

    months = [date(2024, m, 28) for m in range(1, 13)]
    limits = {"mean": 20.0, "lower_limit": -11.2, "upper_limit": 104.0}
    fig = spc_figure(months, [20.0] * 12, [None] * 12, limits, None, "%", natural_bounds("percentage"))
    levels = {
        trace["name"]: trace["y"][0]
        for trace in fig["data"]
        if trace.get("name") in ("Lower limit", "Upper limit")
    }
    assert levels == {"Lower limit": 0.0, "Upper limit": 100.0}
    counts = spc_figure(months, [5.0] * 12, [None] * 12, limits, None, "n", natural_bounds("count"))
    count_levels = {
        t["name"]: t["y"][0] for t in counts["data"] if t.get("name") in ("Lower limit", "Upper limit")
    }
    assert count_levels == {"Lower limit": 0.0, "Upper limit": 104.0}


def test_charts_say_3_of_3_tell_lines_apart_and_replace_empty_charts_with_a_sentence() -> None:
    from metrics.registry import load_registry
    from scorecard.components.charts import NO_VALUES, bar_labels, line_chart

    ind = load_registry()["rereferrals_12m"]
    rows = pd.DataFrame({"numerator": [3.0, 0.0, None], "denominator": [3.0, 4.0, None]})
    assert bar_labels(rows, [100.0, 0.0, None], ind) == ["100.0% (3 of 3)", "0.0% (0 of 4)", "n/a"]
    fig = line_chart(
        ["2025-01", "2025-02"], {"Started": [2.0, 3.0], "Closed": [1.0, None]}, "episodes", counts=True
    )
    first, second = fig["data"]
    assert first["marker"]["symbol"] != second["marker"]["symbol"]
    assert first["line"]["dash"] != second["line"]["dash"]
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["Started", "Closed"]  # direct labels
    assert fig["layout"]["yaxis"]["rangemode"] == "tozero"
    empty = chart_section(
        "demo", "Nothing", "No values.", line_chart(["2025-01"], {"A": [None]}, "%"), pd.DataFrame(), "d.csv"
    )
    assert empty.children[2].children == NO_VALUES
