"""What a monthly refresh's plan reads of the kind tables: the month's rows through the
index on ``load_id``, and each table's LA codes by probing the primary key, not by a pass
over every LA's rows (a region's store holds millions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event, insert

from metrics.recompute_new_rows import written
from metrics.recompute_plan import _raw_codes
from store.engine import open_store
from store.schema import kind_table


def _contact(la: str, n: int, day: date, load_id: int) -> dict[str, Any]:
    return {
        "la_code": la,
        "contact_id": f"C{n}",
        "child_key": f"k{n}",
        "contact_date": day,
        "contact_source": "Police",
        "outcome": "NFA",
        "load_id": load_id,
    }


def _store_with_contacts(url: str) -> Any:
    engine = open_store(url)
    rows = [
        _contact("800", 1, date(2026, 1, 5), 1),
        _contact("800", 2, date(2026, 2, 9), 1),
        _contact("800 ", 3, date(2026, 3, 2), 2),  # the same LA, reported with a space
        _contact("801", 4, date(2025, 12, 1), 1),
        _contact("801", 5, date(2026, 3, 20), 3),
    ]
    with engine.begin() as conn:
        conn.execute(insert(kind_table("contacts")), rows)
        conn.execute(
            insert(kind_table("referrals")).values(
                la_code="802",
                referral_id="R1",
                child_key="k9",
                referral_date=date(2026, 1, 1),
                referral_source="Police",
                referral_nfa=False,
                load_id=1,
            )
        )
    return engine


def test_each_la_maps_to_every_code_it_was_stored_under(store_url: str) -> None:
    engine = _store_with_contacts(store_url)
    with engine.connect() as conn:
        assert _raw_codes(conn) == {"800": {"800", "800 "}, "801": {"801"}, "802": {"802"}}


def test_the_rows_a_load_wrote_give_their_span_and_earliest_date(store_url: str) -> None:
    engine = _store_with_contacts(store_url)
    with engine.connect() as conn:
        done = written(conn, "800", "contacts", ("800", "800 "), [2, 3])
    # Load 2 wrote one row of LA 800 (stored as "800 "); load 3 only LA 801's.
    assert not done.superseded
    assert done.earliest == date(2026, 3, 2)
    row = done.spans.iloc[0]
    assert (row["column_name"], int(row["rows"])) == ("contact_date", 1)
    assert str(row["first_date"])[:10] == str(row["last_date"])[:10] == "2026-03-02"


def test_the_rows_a_load_wrote_are_found_through_the_load_id_index(tmp_path: Any) -> None:
    engine = _store_with_contacts(f"sqlite:///{tmp_path / 'store.db'}")
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM contacts " in statement + " ":
            seen.append((statement, parameters))

    with engine.connect() as conn:
        # One code and several loads, as a month's refresh asks: an equality on the
        # primary key's first column, which SQLite (no statistics) would otherwise take.
        written(conn, "801", "contacts", ("801",), [2, 3, 4])
        plans = [
            " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in seen
        ]
    assert len(plans) == 1
    assert "ix_contacts_load" in plans[0], plans[0]
