"""A month of fewer LAs than cores is split by indicators; everything else is left whole."""

from __future__ import annotations

from datetime import date

from metrics.recompute_la import LaTask
from metrics.recompute_split import SPLIT_MAX_ROWS, split_for_cores
from metrics.recompute_tail import TailSpec
from metrics.registry import load_registry

REGISTRY = load_registry()
TAIL = TailSpec(date(2024, 3, 1), (), frozenset())


def _task(la: str, tail: TailSpec | None = TAIL, kpi_ids: tuple[str, ...] | None = None) -> LaTask:
    return LaTask("u", la, (la,), kpi_ids, True, None, None, None, REGISTRY, None, tail)  # type: ignore[arg-type]


def test_a_lone_month_is_split_into_one_part_per_core() -> None:
    parts = split_for_cores([_task("800")], 2, REGISTRY, {"800": 30_000})
    assert len(parts) == 2
    ids = [i.id for i in REGISTRY]
    # Every indicator once, each part in the registry's order, the scores in the first.
    assert sorted(k for p in parts for k in p.kpi_ids or ()) == sorted(ids)
    assert all(list(p.kpi_ids or ()) == [i for i in ids if i in (p.kpi_ids or ())] for p in parts)
    assert [p.scores for p in parts] == [True, False]
    assert {p.la_code for p in parts} == {"800"} and {p.tail for p in parts} == {TAIL}


def test_only_the_named_indicators_are_split() -> None:
    wanted = ("referrals", "contacts", "s47_started")
    parts = split_for_cores([_task("800", kpi_ids=wanted)], 4, REGISTRY, {"800": 30_000})
    assert len(parts) > 1
    assert sorted(k for p in parts for k in p.kpi_ids or ()) == sorted(wanted)
    # An id the registry lacks keeps the task whole rather than fall out of every part.
    odd = [_task("800", kpi_ids=(*wanted, "no_such_indicator"))]
    assert split_for_cores(odd, 4, REGISTRY, {"800": 30_000}) == odd


def test_a_large_la_a_whole_recompute_and_a_busy_machine_are_left_whole() -> None:
    large = [_task("800")]
    assert split_for_cores(large, 2, REGISTRY, {"800": SPLIT_MAX_ROWS + 1}) == large
    whole = [_task("800", tail=None)]
    assert split_for_cores(whole, 2, REGISTRY, {"800": 30_000}) == whole
    busy = [_task("800"), _task("801")]
    assert split_for_cores(busy, 2, REGISTRY, {"800": 30_000, "801": 30_000}) == busy
