"""``scorecard targets set|list``: change a target from the command line, audited.

The command line is run by whoever administers the server (as ``scorecard users``), so
it may change any LA's target or every LA's; the change is audited as
``<login> (command line)`` with the old and new values (``scorecard.target_changes``).
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from typing import Any


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``targets`` to the CLI's sub-parsers."""
    targets = sub.add_parser(
        "targets",
        help="targets: list them, or change one (audited)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=("commands:\n  set KPI_ID VALUE [--tolerance N] [--la CODE] [--no-recompute]\n  list"),
    )
    targets_sub = targets.add_subparsers(dest="targets_command", required=True, metavar="COMMAND")
    put = targets_sub.add_parser("set", parents=[common], help="set an indicator's target (then recompute)")
    put.add_argument("kpi_id", metavar="KPI_ID")
    put.add_argument("value", type=float, metavar="VALUE")
    put.add_argument("--tolerance", type=float, metavar="N", help="the amber band (default: as before)")
    put.add_argument("--la", metavar="CODE", help="one LA's target (default: every LA's)")
    put.add_argument("--no-recompute", action="store_true", help="skip recomputing indicators")
    targets_sub.add_parser("list", parents=[common], help="every target in force, by LA where set")


def _targets(args: argparse.Namespace) -> int:
    from metrics.registry import load_registry
    from metrics.targets import load_targets, stored_overrides, with_overrides
    from scorecard.settings import Settings
    from scorecard.target_changes import set_target
    from store.engine import open_store

    settings = Settings.from_env(database_url=args.db)
    engine = open_store(settings.database_url)
    registry = load_registry(settings.measures())  # with the pm_* of SCORECARD_MEASURES_FILE
    if args.targets_command == "list":
        with engine.connect() as conn:
            overrides = {(o.kpi_id, o.la_code) for o in stored_overrides(conn)}
            targets = with_overrides(
                load_targets(settings.targets_file, registry), stored_overrides(conn), registry
            )
        for kpi_id in targets.ids():
            entry = targets.entry(kpi_id)
            assert entry is not None
            scopes = [
                ("*", entry.target, entry.tolerance),
                *((la, o.target, o.tolerance) for la, o in entry.by_la.items()),
            ]
            for la, target, tolerance in scopes:
                if target is None:
                    continue
                where = "every LA" if la == "*" else f"LA {la}"
                tol = "" if tolerance is None else f", tolerance {tolerance:g}"
                set_here = " (set in the app)" if (kpi_id, la) in overrides else ""
                print(f"{kpi_id}, {where}: {target:g}{tol}{set_here}")
        return 0
    change = set_target(
        engine,
        registry,
        settings.targets_file,
        args.kpi_id,
        args.value,
        args.tolerance,
        args.la,
        f"{getpass.getuser()} (command line)",
    )
    print(change.describe())
    if not args.no_recompute:
        from metrics.recompute import recompute

        summary = recompute(engine, targets_file=settings.targets_file, registry=registry, jobs=None)
        print(f"recomputed indicators: {summary}")
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {"targets": _targets}
