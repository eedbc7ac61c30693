"""The board pack and the chief executive summary, rendered for the samples and read back
with pypdf: structure (pages, outline, links, fonts, tags), every number of the scorecard
pages against ``scorecard kpis`` for the same LA, period and audience, and the attacker."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from metrics.benchmarks import load_benchmarks
from metrics.periods import Grain
from metrics.registry import load_registry
from scorecard.cli import main
from scorecard.formatting import format_fraction, format_target, format_value
from scorecard.pack import build_pack
from scorecard.pack.data import gather
from scorecard.pack.html import pack_html
from scorecard.pack.render import stylesheet
from tests.attacker import attack
from tests.dash_fixtures import MAIN_LA, pipeline_store

REGISTRY = load_registry()
BENCHMARKS = load_benchmarks(None, REGISTRY)
PERIOD = date(2024, 3, 31)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('pack') / 'samples.db'}"
    engine = pipeline_store(url)
    yield engine, url
    engine.dispose()


@pytest.fixture(scope="module")
def board(store: tuple[Engine, str]) -> PdfReader:
    pdf = build_pack(
        store[0], REGISTRY, BENCHMARKS, MAIN_LA, "month", PERIOD, "board", 5, produced_by="tester"
    )
    return PdfReader(io.BytesIO(pdf))


def _outline(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def test_pack_structure_outline_links_fonts_and_tags(board: PdfReader) -> None:
    pages = len(board.pages)
    assert pages >= 7
    outline = _outline(board)
    for title in (
        "Contents",
        "Summary of exceptions",
        "The scorecard",
        "Partners",
        "Data quality",
        "Definitions",
    ):
        assert title in outline
    first = board.pages[0].extract_text()
    assert "OFFICIAL-SENSITIVE" in first and "Board (for sharing)" in first and "Data to" in first
    assert f"Page 1 of {pages}" in first
    contents = board.pages[1]
    links = [a.get_object() for a in contents.get("/Annots", []) if a.get_object()["/Subtype"] == "/Link"]
    assert len(links) >= 5  # the table of contents links to its sections
    fonts = set()
    for page in board.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = (
                font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} is not embedded"
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts <= {"Pack-Sans", "Pack-Sans-Bold"}, fonts
    root = board.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root and root["/Lang"]
    for page in board.pages[1:]:
        assert "board (for sharing)" in page.extract_text()


def _kpis(url: str, capsys: pytest.CaptureFixture[str], audience: str) -> dict[str, dict[str, str]]:
    capsys.readouterr()
    args = [
        "kpis",
        "--db",
        url,
        "--la",
        MAIN_LA,
        "--from",
        "2024-03",
        "--to",
        "2024-03",
        "--audience",
        audience,
    ]
    assert main(args) == 0
    rows = csv.DictReader(io.StringIO(capsys.readouterr().out))
    return {r["kpi_id"]: r for r in rows if r["breakdown"] == "all"}


def _cell(text: str) -> Any:
    return text if text in ("c", "") else float(text)


def _scorecard_text(reader: PdfReader) -> str:
    pages = [p.extract_text() for p in reader.pages]
    start = next(i for i, t in enumerate(pages) if t.lstrip().startswith("The scorecard"))
    end = next(
        i
        for i, t in enumerate(pages)
        if i > start and not t.lstrip().startswith(("The scorecard", "Indicator"))
    )
    text = re.sub(r"Page \d+ of \d+", " ", " ".join(pages[start:end]))  # the page footers
    return re.sub(r"\s+", " ", text)


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")


@pytest.mark.parametrize("audience", ["board", "clinic"])
def test_every_number_on_the_scorecard_pages_matches_scorecard_kpis(
    store: tuple[Engine, str], capsys: pytest.CaptureFixture[str], audience: str
) -> None:
    engine, url = store
    expected = _kpis(url, capsys, "board" if audience == "board" else "operational")
    pdf = build_pack(engine, REGISTRY, BENCHMARKS, MAIN_LA, "month", PERIOD, audience, 5)
    text = _scorecard_text(PdfReader(io.BytesIO(pdf)))
    shown = [ind for ind in REGISTRY if ind.id in expected and ind.stage != "data_quality"]
    titles = [re.sub(r"\s+", " ", ind.title) for ind in shown]
    positions = [text.index(t) for t in titles]
    assert positions == sorted(positions)
    checked = 0
    for i, ind in enumerate(shown):
        segment = text[positions[i] + len(titles[i]) : positions[i + 1] if i + 1 < len(shown) else len(text)]
        row = expected[ind.id]
        value, num, den = _cell(row["value"]), _cell(row["numerator"]), _cell(row["denominator"])
        # no parts at all (a quarterly measure's month): no fraction is shown
        fraction = "" if num == den == "" else format_fraction(ind.type, num, den)
        want = [format_value(value, ind.type, row["note"] or None), fraction]
        target = format_target(_cell(row["target"]) if row["target"] else None, ind.type)
        for part in [w for w in [*want, target] if w]:
            assert part in segment, f"{ind.id}: {part!r} not in {segment!r}"
        allowed = set(NUMBER.findall(" ".join([*want, target])))
        bench = BENCHMARKS.for_indicator(ind.id)
        allowed |= {
            t for b in bench for t in NUMBER.findall(f"{format_value(b.value, ind.type)} {b.year_ending:%Y}")
        }
        allowed |= {
            t for b in bench for y in (b.year_ending.year - 1, b.year_ending.year) for t in (str(y), f"{y}-")
        }
        for token in NUMBER.findall(segment):
            assert token in allowed or (token.isdigit() and len(token) == 2), (
                f"{ind.id}: stray number {token!r}"
            )
        if row["value"] == "c":
            assert re.search(r"(^| )c( |$)", segment)
        checked += 1
    assert checked >= 25


class _Rows(HTMLParser):
    """The table rows of the pack's HTML: the text of each cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[bool, list[str]]] = []  # (in thead, cells)
        self._head = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "thead":
            self._head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._head, self._row))
            self._row = None
        elif tag == "thead":
            self._head = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parts(kind: str, fraction: str) -> tuple[str, str]:
    match = re.match(r"(c|[\d,.]+) (?:of|per) (c|[\d,.]+)", fraction)
    if match:
        return match.group(1).replace(",", ""), match.group(2).replace(",", "")
    median = re.match(r"median of (c|[\d,]+)", fraction)
    return ("", median.group(1).replace(",", "")) if median else ("", "")


def _published(html: str) -> list[dict[str, str]]:
    """What the pack publishes, as the attacker reads it: the scorecard table (whole LA),
    the breakdown tables of the exception pages and the partners tables (by agency)."""
    by_title = {ind.title: ind for ind in REGISTRY}
    parser = _Rows()
    parser.feed(html)
    out: list[dict[str, str]] = []
    header: list[str] = []
    current: str | None = None
    for in_head, row in parser.rows:
        if in_head:
            header = row
            continue
        if header and header[0] == "Indicator" and len(row) == 9 and row[0] in by_title:
            ind = by_title[row[0]]
            current = ind.id
            num, den = _parts(ind.type, row[2])
            value = row[1].rstrip("%").replace(",", "")
            num = value if ind.type == "count" else num
            out.append({"kpi_id": ind.id, "breakdown": "all", "group": "all", "numerator": num,
                        "denominator": den, "value": value, "status": row[4], "direction": row[5],
                        "variation": row[6]})  # fmt: skip
        elif header and header[0] == "Group" and current and ":" in row[0]:
            ind = REGISTRY[current]
            breakdown, _, group = row[0].partition(": ")
            num, den = _parts(ind.type, row[2])
            value = row[1].rstrip("%").replace(",", "")
            num = value if ind.type == "count" else num
            out.append({"kpi_id": current, "breakdown": breakdown, "group": group, "numerator": num,
                        "denominator": den, "value": value})  # fmt: skip
        elif header and header[0] == "Agency":
            for title, cell in zip(header[1:], row[1:], strict=True):
                ind = by_title[title]
                value = cell.rstrip("%").replace(",", "")
                out.append({"kpi_id": ind.id, "breakdown": "agency", "group": row[0],
                            "numerator": value if ind.type == "count" else "", "denominator": "",
                            "value": value})  # fmt: skip
    return out


def test_the_attacker_fails_on_the_board_pack(store: tuple[Engine, str]) -> None:
    engine = store[0]
    found_hidden = False
    for period in (PERIOD, date(2025, 3, 31), date(2025, 9, 30)):
        data = gather(engine, REGISTRY, BENCHMARKS, MAIN_LA, "month", period, "board", 5)
        published = _published(pack_html(data, REGISTRY, stylesheet()))
        found_hidden |= any(r["value"] == "c" for r in published)
        assert attack(published) == [], period
        # Each exception chart leaves out the months hidden for sharing.
        for series in data.series.values():
            assert series["value"].notna().sum() <= len(series)
    assert found_hidden


def test_summary_is_one_page_with_headline_concerns_and_overdue(store: tuple[Engine, str]) -> None:
    from scorecard.actions import ActionScope, raise_action

    engine = store[0]
    raise_action(
        engine, ActionScope("referrals", MAIN_LA), "Review thresholds", "J. Lead", date(2020, 1, 1), "A"
    )
    pdf = build_pack(engine, REGISTRY, BENCHMARKS, MAIN_LA, "month", PERIOD, "board", 5, summary=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Chief executive summary" in text and "on target" in text and "five biggest concerns" in text
    assert "Review thresholds" in text and "Actions overdue" in text


def test_cli_pack_writes_the_pdf_and_names_missing_periods(
    store: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack.pdf"
    args = ["pack", "--db", store[1], "--la", MAIN_LA, "--period", "2024-03", "--grain", "quarter"]
    assert main([*args, "--audience", "clinic", "--out", str(out)]) == 0
    text = PdfReader(out).pages[1].extract_text()
    assert "clinic (operational, not for sharing)" in text
    assert main([*args[:5], "--period", "2024-02", "--grain", "year", "--out", str(out)]) == 1
    assert "no year ending 2024-02" in capsys.readouterr().err


def test_data_quality_covers_the_loads_that_brought_the_period(store: tuple[Engine, str]) -> None:
    from scorecard.pack.data import _quality

    engine = store[0]
    data = gather(engine, REGISTRY, BENCHMARKS, MAIN_LA, "month", PERIOD, "clinic", 5)
    # The records each load brought for the period are the stored rows of the kind whose
    # main date falls in it: the denominator of the completeness of any of its fields.
    completeness = data.quality_rows[data.quality_rows["kpi_id"] == "dq_completeness"]
    rows_of_kind = {
        str(g).partition(".")[0]: d
        for g, d in zip(completeness["group_name"], completeness["denominator"], strict=True)
    }
    records = data.quality.groupby("kind")["records"].sum().to_dict()
    assert records == {k: d for k, d in rows_of_kind.items() if d > 0}
    assert (data.quality["loads"] >= 1).all() and (data.quality["read"] >= data.quality["records"]).all()
    # A period before any stored record has no loads; the page says so.
    assert _quality(engine, MAIN_LA, "month", date(2001, 1, 31)).empty
    quarter = _quality(engine, MAIN_LA, "quarter", PERIOD).groupby("kind")["records"].sum().to_dict()
    assert all(quarter[kind] >= n for kind, n in records.items())


def test_the_board_pack_leaves_out_the_period_records_per_partner(store: tuple[Engine, str]) -> None:
    board = gather(store[0], REGISTRY, BENCHMARKS, MAIN_LA, "month", PERIOD, "board", 5)
    clinic = gather(store[0], REGISTRY, BENCHMARKS, MAIN_LA, "month", PERIOD, "clinic", 5)
    assert "Records of the period" not in pack_html(board, REGISTRY, "")
    assert "Records of the period" in pack_html(clinic, REGISTRY, "")
    assert "Loads that brought the data of Month Mar 2024" in pack_html(board, REGISTRY, "")


def _as_published(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Rows of the whole LA as the attacker reads them (text)."""
    return [
        {str(k): ("" if v is None else str(v)) for k, v in row.items()} | {"group": "all"}
        for row in frame[frame["breakdown"] == "all"].to_dict("records")
    ]


@pytest.mark.parametrize("grain", ["quarter", "year"])
def test_a_quarter_or_year_pack_charts_no_month_that_the_period_gives_away(
    store: tuple[Engine, str], grain: Grain
) -> None:
    # Whatever the pack charts (any indicator can be an exception), the months drawn and
    # the period in the table, published together, leave no hidden month to subtract.
    from metrics.disclosure import disclose, period_cube
    from scorecard.pack.data import _results
    from tests.attacker import attack_periods

    engine = store[0]
    period = date(2024, 3, 31)
    cube, months = _results(engine, REGISTRY, MAIN_LA, grain, period, True, 5)
    drawn = months[months["period_end"] >= cube["period_start"].iloc[0]]
    raw = [period_cube(engine, MAIN_LA, grain, period, with_spc=False)]
    raw += [
        period_cube(engine, MAIN_LA, "month", m, with_spc=False) for m in sorted(set(drawn["period_end"]))
    ]
    truth: dict[tuple[str, ...], Any] = {}
    for frame in raw:
        for row in frame[frame["breakdown"] == "all"].to_dict("records"):
            for part in ("numerator", "denominator", "value"):
                truth[(row["kpi_id"], "all", "all", row["grain"], str(row["period_end"]), part)] = row[part]

    def recovered(rows: list[dict[str, str]]) -> list[Any]:
        return [r for r in attack_periods(rows) if abs(r.value - float(truth[r.cell])) < 1e-6]

    assert recovered(_as_published(pd.concat([cube, drawn], ignore_index=True))) == []
    assert any(v == "c" for v in drawn["value"])  # the charts do leave months out
    # Teeth: the period and each month disclosed apart (as the pack did) give some away.
    apart = [disclose(raw[0], 5, REGISTRY)] + [
        disclose(f[f["breakdown"] == "all"], 5, REGISTRY) for f in raw[1:]
    ]
    assert recovered(_as_published(pd.concat(apart, ignore_index=True)))


def test_the_pack_names_extracts_and_fields_in_words(board: PdfReader) -> None:
    """The pack is read by people too: no stored kind or column name, no "1 <plural>"
    (the same scan as the pages' in tests/test_plain_english.py)."""
    from tests.test_plain_english import _problems

    text = " ".join(p.extract_text() for p in board.pages)
    assert "Child protection plans" in text or "child protection plans" in text
    assert _problems(text) == []
