"""The commands for the meetings: ``scorecard actions`` and ``scorecard pack``.

Kept apart from ``scorecard/cli.py`` so that file only wires them in: ``add_parsers``
adds the sub-commands and ``HANDLERS`` maps each to its function.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``actions`` and ``pack`` to the CLI's sub-parsers."""
    act = sub.add_parser("actions", parents=[common], help="clinic actions: who does what, by when")
    act.add_argument("--overdue", action="store_true", help="only open actions due before today")
    act.add_argument("--status", choices=["open", "done", "dropped"], help="only actions with this status")
    act.add_argument("--owner", metavar="NAME", help="only this owner's actions")
    act.add_argument("--la", metavar="CODE", help="one LA's actions (and those naming no LA)")
    act.add_argument("--kpi", metavar="ID", help="one indicator's actions")
    act.add_argument("--format", choices=["table", "csv"], default="table")
    act.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help=argparse.SUPPRESS)

    pack = sub.add_parser("pack", parents=[common], help="the board pack (or --summary) as PDF")
    pack.add_argument("--la", required=True, metavar="CODE")
    pack.add_argument(
        "--period", required=True, type=_month, metavar="YYYY-MM", help="the period's end month"
    )
    pack.add_argument("--grain", choices=["month", "quarter", "year"], default="month")
    pack.add_argument("--audience", choices=["board", "clinic"], default="board")
    pack.add_argument("--summary", action="store_true", help="the chief executive's one-page summary")
    pack.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")


def _month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: expected YYYY-MM") from None


def period_end_for(engine: Any, la_code: str, grain: str, month: date) -> date:
    """The stored period of the grain that ends in the month; an error naming what exists."""
    from sqlalchemy import select

    from metrics.periods import month_end
    from store.schema import kpi_results

    r = kpi_results.c
    with engine.connect() as conn:
        found = conn.execute(
            select(r.period_end)
            .where(r.la_code == la_code, r.grain == grain, r.period_end == month_end(month))
            .limit(1)
        ).scalar()
        if found is None:
            ends = sorted(
                conn.execute(
                    select(r.period_end).where(r.la_code == la_code, r.grain == grain).distinct()
                ).scalars()
            )
    if found is not None:
        return found
    if not ends:
        raise LookupError(f"no {grain} results for LA {la_code}: load its extracts and recompute first")
    raise LookupError(
        f"no {grain} ending {month:%Y-%m} for LA {la_code}: "
        f"periods end from {ends[0]:%Y-%m} to {ends[-1]:%Y-%m}"
    )


def _pack(args: argparse.Namespace) -> int:
    from metrics.benchmarks import load_benchmarks
    from metrics.registry import load_registry
    from scorecard.pack import PackUnavailableError, build_pack
    from scorecard.settings import Settings
    from store.engine import open_store

    settings = Settings.from_env(database_url=args.db)
    engine = open_store(settings.database_url)
    registry = load_registry(settings.measures())  # with the pm_* of SCORECARD_MEASURES_FILE
    try:
        period_end = period_end_for(engine, args.la, args.grain, args.period)
        pdf = build_pack(
            engine,
            registry,
            load_benchmarks(settings.benchmarks_file, registry),
            args.la,
            args.grain,
            period_end,
            args.audience,
            settings.suppression_threshold,
            summary=args.summary,
            produced_by=getpass.getuser(),
        )
    except (LookupError, PackUnavailableError) as exc:
        print(f"scorecard: {exc}", file=sys.stderr)
        return 1
    args.out.write_bytes(pdf)
    from scorecard.audit import record

    who = f"{getpass.getuser()} (command line)"
    record(engine, "export", who, None, f"pack {args.out.name} ({args.audience})", args.la)
    print(f"wrote {args.out} ({len(pdf):,} bytes, audience {args.audience})")
    return 0


def _actions(args: argparse.Namespace) -> int:
    from scorecard.actions import action_records, actions_csv, list_actions
    from scorecard.settings import Settings
    from store.engine import open_store

    engine = open_store(Settings.from_env(database_url=args.db).database_url)
    today = args.today or date.today()
    found = list_actions(
        engine,
        kpi_id=args.kpi,
        la_code=args.la,
        owner=args.owner,
        status=args.status,
        overdue_on=today if args.overdue else None,
    )
    if args.format == "csv":
        sys.stdout.write(actions_csv(found, today))
        return 0
    if not found:
        print("No actions match.")
        return 0
    for record in action_records(found, today):
        late = "  OVERDUE" if record["overdue"] == "yes" else ""
        where = ", ".join(str(record[k]) for k in ("la_code", "period_end", "team", "agency") if record[k])
        print(
            f"#{record['action_id']} {record['kpi_id']}{f' ({where})' if where else ''}: {record['action']}\n"
            f"    owner {record['owner']}, due {record['due_date']}, {record['status']}{late}"
        )
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {"actions": _actions, "pack": _pack}
