"""The app's cache of costly read queries: an answer is kept while the store is unchanged,
and dropped by any load, retraction or recompute (SQLite and PostgreSQL).

The answers cached are real queries (``metrics.results``) on real stores loaded through
the loader; the expectations are the hand-built files' own dates and counts.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from loaders.pipeline import LoadOptions, load_bytes
from loaders.retract import retract_load
from metrics import results
from metrics.recompute import recompute
from scorecard.app import create_app
from scorecard.store_cache import StoreCache, store_fingerprint
from store.engine import open_store
from tests.conftest import TEST_KEY
from tests.dash_fixtures import MAIN_LA, TEST_SECRET, page, settings_for, signed_in_request, text_of
from tests.test_loader_rules import csv_bytes

OPTS = LoadOptions(key=TEST_KEY, default_la="394", partner="Police")
HEADER = "contact_id,child_id,contact_date,contact_source,outcome"


def contacts(*rows: str) -> bytes:
    return csv_bytes(HEADER, *rows)


def latest_events(cache: StoreCache, engine: Engine) -> pd.DataFrame:
    return cache.get(engine, ("latest", "394"), lambda: results.latest_events_by_load(engine, "394"))


def test_an_answer_is_kept_until_a_load_a_retraction_or_a_recompute(engine: Engine) -> None:
    cache = StoreCache()
    load_bytes(engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,nfa", "K2,C2,2024-05-09,6,nfa"), OPTS)
    first = latest_events(cache, engine)
    assert first[["load_id", "latest_event"]].values.tolist() == [[1, date(2024, 5, 9)]]
    # Unchanged store: the same answer, not a new query (a sentinel computes otherwise).
    assert cache.get(engine, ("latest", "394"), pd.DataFrame).equals(first)
    assert len(cache) == 1

    load_bytes(engine, "contacts2.csv", contacts("K3,C3,2024-06-20,6,nfa"), OPTS)
    second = latest_events(cache, engine)
    assert second[["load_id", "latest_event"]].values.tolist() == [
        [1, date(2024, 5, 9)],
        [2, date(2024, 6, 20)],
    ]

    retract_load(engine, 2, by="analyst")
    assert latest_events(cache, engine)[["load_id", "latest_event"]].values.tolist() == [
        [1, date(2024, 5, 9)]
    ]

    before = store_fingerprint(engine)
    recompute(engine, full=True)
    assert store_fingerprint(engine) != before
    assert cache.get(engine, ("latest", "394"), pd.DataFrame).empty  # recomputed: asked again


def test_a_served_frame_is_a_copy(engine: Engine) -> None:
    cache = StoreCache()
    load_bytes(engine, "contacts.csv", contacts("K1,C1,2024-05-02,6,nfa"), OPTS)
    served = latest_events(cache, engine)
    served.loc[0, "partner"] = "Changed by a caller"
    assert latest_events(cache, engine)["partner"].tolist() == ["Police"]


def test_the_least_recently_used_answer_goes_first(sqlite_engine: Engine) -> None:
    cache = StoreCache(max_entries=2)
    calls: list[str] = []

    def answer(key: str) -> str:
        calls.append(key)
        return key

    for key in ("a", "b", "a", "c", "a", "b"):
        assert cache.get(sqlite_engine, key, partial(answer, key)) == key
    # "a" was kept (used again before "c" came), "b" dropped for "c" and asked again.
    assert calls == ["a", "b", "c", "b"]
    assert len(cache) == 2


def test_rejected_rows_kept_for_an_administrator_are_not_a_partners_and_follow_a_new_load(
    tmp_path: Path,
) -> None:
    """Data quality's reject reasons go through the app's cache: an administrator's
    "Every load" answer, kept, is still refused to a partner, who sees its own load's only;
    a new load's rejects show at once."""
    url = f"sqlite:///{tmp_path / 'rejects.db'}"
    engine = open_store(url)
    bad_date = "K9,C9,2025-13-45,2A,nfa"  # no 13th month: rejected
    police = LoadOptions(key=TEST_SECRET.encode(), default_la=MAIN_LA, partner="Police")
    health = LoadOptions(key=TEST_SECRET.encode(), default_la=MAIN_LA, partner="Health")
    load_bytes(engine, "contacts_police.csv", contacts("K1,C1,2025-01-10,2A,nfa", bad_date), police)
    load_bytes(
        engine,
        "contacts_health.csv",
        contacts("K2,C2,2025-02-03,3A,nfa", bad_date, "K8,C8,2025-00-01,3A,nfa"),
        health,
    )
    recompute(engine)
    engine.dispose()
    app = create_app(settings_for(url))
    dq = page("data_quality")

    with signed_in_request(app) as ctx:
        assert "Rejected rows: all 3" in text_of(dq.show_rejects("all"))  # 1 of Police's, 2 of Health's
        assert len(ctx.cache) == 1
    with signed_in_request(app, "partner", agency="Health", username="health-partner"):
        assert "Choose one of your loads" in text_of(dq.show_rejects("all"))
        assert "Choose one of your loads" in text_of(dq.show_rejects("1"))  # Police's load
        assert "Rejected rows: all 2" in text_of(dq.show_rejects("2"))

    load_bytes(open_store(url), "contacts_police_2.csv", contacts(bad_date), police)
    with signed_in_request(app):
        assert "Rejected rows: all 4" in text_of(dq.show_rejects("all"))


def test_every_loads_reasons_combined_from_each_loads_kept_ones_equal_the_whole_query(engine: Engine) -> None:
    """Each load's reject reasons are kept across store changes and combined for "Every
    load": the same frame as counting every rejected row at once, after new loads and
    after a retraction (whose rejects go with it)."""
    url = engine.url.render_as_string(hide_password=False)
    police = LoadOptions(key=TEST_SECRET.encode(), default_la=MAIN_LA, partner="Police")
    dq = page("data_quality")
    app = create_app(settings_for(url), engine=engine)

    def both() -> tuple[tuple[int, pd.DataFrame], pd.DataFrame]:
        with signed_in_request(app) as ctx:
            return dq.reject_summary(ctx, None), results.reject_reasons(engine)

    load_bytes(engine, "contacts1.csv", contacts("K1,C1,2025-13-01,2A,nfa", "K2,C2,2025-01-02,2A,"), police)
    (total, mine), whole = both()
    assert total == 2 and mine.equals(whole)
    # A whole file rejected (no column), and a sentence that sorts before the first load's.
    load_bytes(engine, "contacts2.csv", b"contact_id,child_id\nK3,C3\n", police)
    load_bytes(
        engine, "contacts3.csv", contacts("K4,C4,2025-00-09,2A,nfa", "K5,C5,2025-13-09,2A,nfa"), police
    )
    (total, mine), whole = both()
    assert total == 5 and mine.equals(whole), (mine, whole)
    assert mine["rows"].tolist()[0] == 3  # the three bad dates, one reason code, first
    retract_load(engine, 3, by="analyst")
    (total, mine), whole = both()
    assert total == 3 and mine.equals(whole), (mine, whole)
