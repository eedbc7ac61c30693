"""The ``scorecard`` command: a thin layer over the loaders, metrics and dashboard.

Exit status: 0 when everything asked was done (row rejects allowed), 1 when a file was
rejected whole or the work failed, 2 for bad usage.

    scorecard generate --out data/samples --children 2000 --years 3
    scorecard load data/samples --la 394
    scorecard loads
    scorecard rejects --load 3 --format csv
    scorecard upgrade
    scorecard users add sam --role analyst --la 394
    scorecard audit --user sam --since 2026-01-01 --format csv
    scorecard serve --threads 8
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from metrics.periods import GRAINS
from scorecard import cli_meetings, cli_targets
from scorecard.access import ROLES

if TYPE_CHECKING:
    from scorecard.settings import Settings

# Start-up imports only argparse and the standard library (plus metrics.periods, which
# is plain Python): `scorecard --help` must not wait for pandas, SQLAlchemy or pydantic.
# Each command imports what it needs when it runs (docs/performance.md).


class UsageError(Exception):
    """Bad usage: printed with the command's usage, exit status 2."""


def _la_code(text: str) -> str:
    from loaders.values import Failure, parse_la

    code = parse_la(text)
    if isinstance(code, Failure):
        raise argparse.ArgumentTypeError(f"{text!r}: {code}")
    return code


def _la_list(text: str) -> list[str]:
    return [_la_code(part) for part in text.split(",") if part.strip()]


def _month(text: str) -> date:
    from metrics.periods import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _kind(text: str) -> str:
    from store.extracts import KIND_ORDER

    if text not in KIND_ORDER:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an extract kind: use one of {', '.join(KIND_ORDER)}"
        )
    return text


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: --jobs takes a whole number of 1 or more")
    return jobs


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: expected YYYY-MM-DD") from None


def _grant_list(text: str) -> list[str]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return [part if part == "*" else _la_code(part) for part in parts]


def _account_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """``scorecard users ...`` and ``scorecard audit``."""
    users = sub.add_parser(
        "users",
        help="accounts: add, list, disable, enable, set-role, reset-password",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "actions:\n"
            "  add NAME --role ROLE [--agency A] [--la 394,390|*] [--no-password]\n"
            "  list [--format table|csv|json]\n"
            "  disable|enable|reset-password NAME\n"
            "  set-role NAME ROLE [--agency A] [--la 394,390|*]\n"
            "passwords are asked on the terminal, or read from SCORECARD_NEW_PASSWORD"
        ),
    )
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = users_sub.add_parser("add", parents=[common], help="add an account (asks for its password)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--agency", metavar="NAME", help="a partner's agency")
    add.add_argument(
        "--la", dest="las", type=_grant_list, default=[], metavar="394,390", help="LAs (* = all)"
    )
    add.add_argument("--no-password", action="store_true", help="single sign-on only: no password")
    users_sub.add_parser("list", parents=[common], help="every account").add_argument(
        "--format", choices=["table", "csv", "json"], default="table"
    )
    dis = users_sub.add_parser("disable", parents=[common], help="disable an account (ends its sessions)")
    dis.add_argument("username")
    ena = users_sub.add_parser("enable", parents=[common], help="enable a disabled account")
    ena.add_argument("username")
    role = users_sub.add_parser("set-role", parents=[common], help="change a role (and agency, LAs)")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    role.add_argument("--agency", metavar="NAME")
    role.add_argument("--la", dest="las", type=_grant_list, metavar="394,390", help="LAs (* = all)")
    reset = users_sub.add_parser("reset-password", parents=[common], help="set a new password (asks for it)")
    reset.add_argument("username")

    aud = sub.add_parser("audit", parents=[common], help="the audit log, newest first")
    aud.add_argument("--user", metavar="NAME", help="one user's rows")
    aud.add_argument("--since", type=_iso_date, metavar="YYYY-MM-DD", help="rows from this date")
    aud.add_argument("--format", choices=["table", "csv", "json"], default="table")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: SCORECARD_DATABASE_URL or sqlite:///data/scorecard.db)",
    )
    parser = argparse.ArgumentParser(prog="scorecard", description="The partnership scorecard.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser("generate", help="write synthetic extracts (the project's own generator)")
    gen.add_argument("--out", required=True, type=Path, metavar="DIR")
    gen.add_argument("--children", type=int, default=2000, metavar="N", help="children per LA (2000)")
    gen.add_argument("--years", type=int, default=3, metavar="Y", help="years of data (3)")
    gen.add_argument("--start", type=_iso_date, default=date(2022, 4, 1), metavar="YYYY-MM-DD")
    gen.add_argument("--las", type=_la_list, default=["394"], metavar="394,390")
    gen.add_argument("--seed", type=int, default=2026, metavar="S")

    load = sub.add_parser("load", parents=[common], help="load extract files or folders")
    load.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    load.add_argument(
        "--kind", type=_kind, metavar="KIND", help="the extract kind, e.g. contacts (default: from the file)"
    )
    load.add_argument("--la", type=_la_code, metavar="CODE", help="LA for rows without la_code")
    load.add_argument("--partner", metavar="NAME", help="the partner who sent the files")
    load.add_argument("--json", action="store_true", help="print a JSON list, one object per file")
    load.add_argument("--no-recompute", action="store_true", help="skip recomputing indicators")

    hist = sub.add_parser("loads", parents=[common], help="the load history")
    hist.add_argument("--format", choices=["table", "csv", "json"], default="table")

    rec = sub.add_parser("recompute", parents=[common], help="recompute every indicator from the store")
    rec.add_argument(
        "--targets", type=Path, metavar="FILE", help="targets file (default: SCORECARD_TARGETS_FILE)"
    )
    rec.add_argument(
        "--full", action="store_true", help="recompute everything (default: only what loads changed)"
    )
    rec.add_argument("--jobs", type=_jobs, metavar="N", help="LAs computed at once (default: one per core)")
    rec.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="local worker processes, or Dask (pip install '.[distributed]')",
    )
    rec.add_argument(
        "--scheduler", metavar="ADDRESS", help="a Dask scheduler (default: a local cluster of --jobs workers)"
    )

    kpis = sub.add_parser("kpis", parents=[common], help="indicator results as CSV or JSON")
    kpis.add_argument("--grain", choices=GRAINS, default="month")
    kpis.add_argument("--from", dest="first", type=_month, metavar="YYYY-MM", help="first period-end month")
    kpis.add_argument("--to", dest="last", type=_month, metavar="YYYY-MM", help="last period-end month")
    kpis.add_argument("--by", choices=["all", "locality", "team", "agency", "theme"], default="all")
    kpis.add_argument("--la", type=_la_code, metavar="CODE", help="one LA (default: every LA)")
    kpis.add_argument("--format", choices=["csv", "json"], default="csv")
    kpis.add_argument(
        "--audience",
        choices=["operational", "board"],
        default="operational",
        help="board: as shared (disclosure control, docs/disclosure.md); default operational",
    )

    srv = sub.add_parser(
        "serve", parents=[common], help="the dashboard (loads the samples into an empty store)"
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    srv.add_argument("--port", type=int, default=8050)
    srv.add_argument(
        "--threads",
        type=int,
        default=8,
        metavar="N",
        help="waitress worker threads (8); one process, so see docs/deployment.md for more",
    )

    _account_commands(sub, common)

    sub.add_parser(
        "upgrade", parents=[common], help="bring the store's schema up to this release (back it up first)"
    )

    ret = sub.add_parser(
        "retract", parents=[common], help="remove one load's effect (earlier versions return)"
    )
    ret.add_argument("load_id", type=int, metavar="LOAD_ID", help="the load (see scorecard loads)")
    ret.add_argument("--no-recompute", action="store_true", help="skip recomputing indicators")

    rej = sub.add_parser("rejects", parents=[common], help="rejected rows with their reasons")
    rej.add_argument("--load", type=int, metavar="ID", help="one load (default: every load)")
    rej.add_argument("--format", choices=["table", "csv"], default="table")
    rej.add_argument(
        "--by-code", action="store_true", help="count the rejected rows by kind, column and reason code"
    )

    cli_meetings.add_parsers(sub, common)
    cli_targets.add_parsers(sub, common)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    from scorecard.settings import Settings

    return Settings.from_env(database_url=getattr(args, "db", None), default_la=getattr(args, "la", None))


def _log_warnings() -> None:
    """Print warnings and worse on standard error, one line each. The filter is on the
    handler, not only the root logger: a library that sets its own loggers' level (Dask's
    ``distributed`` logs at INFO) would otherwise have its INFO lines printed as warnings
    ("Scheduler closing all comms" after every ``--executor dask`` run)."""
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("scorecard: warning: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    _log_warnings()
    handlers = {
        "generate": _generate,
        "load": _load,
        "loads": _loads,
        "rejects": _rejects,
        "recompute": _recompute,
        "kpis": _kpis,
        "retract": _retract,
        "serve": _serve,
        "upgrade": _upgrade,
        "users": _users,
        "audit": _audit,
        **cli_meetings.HANDLERS,
        **cli_targets.HANDLERS,
    }
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        # The reader went away (`scorecard kpis | head`): stop quietly, as other tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"scorecard: error: {exc}", file=sys.stderr)
        return 2
    except _user_errors() as exc:
        print(f"scorecard: {_message(exc)}", file=sys.stderr)
        return 1


def _message(exc: BaseException) -> str:
    """The error's sentence; for a database error, the driver's own, without the SQL
    statement and its parameters (which could hold a file's values)."""
    from sqlalchemy.exc import StatementError

    if isinstance(exc, StatementError) and exc.orig is not None:
        return f"the database refused the work: {str(exc.orig).strip()}"
    return str(exc)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors whose message tells the user what to do; anything else is a bug and shows its traceback."""
    from sqlalchemy.exc import OperationalError

    from loaders.pseudonym import PseudonymKeyError
    from loaders.retract import RetractError
    from metrics.calendar import CalendarRangeError
    from metrics.targets import TargetsError
    from scorecard.accounts import AccountError
    from scorecard.target_changes import TargetChangeError
    from store.engine import StoreError
    from store.measures import MeasuresFileError

    return (
        TargetsError,
        TargetChangeError,
        OSError,
        OperationalError,
        PseudonymKeyError,
        StoreError,
        CalendarRangeError,
        RetractError,
        AccountError,
        MeasuresFileError,
    )


def _say(message: str) -> None:
    """A message the user needs whether or not stderr is a terminal."""
    print(f"scorecard: {message}", file=sys.stderr, flush=True)


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        print(f"  {message}", file=sys.stderr, flush=True)


def _generate(args: argparse.Namespace) -> int:
    from scorecard.settings import Settings
    from synthetic import generate
    from synthetic.generator import validate as check_arguments

    try:
        check_arguments(args.out, args.children, args.years, args.start, args.las, args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    files = generate(
        args.out,
        children=args.children,
        years=args.years,
        start=args.start,
        las=args.las,
        seed=args.seed,
        progress=_progress,
        measures=Settings.from_env().measures(),  # the partner figures of SCORECARD_MEASURES_FILE
    )
    for info in files.values():
        print(f"{info.path}: {info.rows:,} rows")
    print(f"wrote {len(files)} files to {args.out}")
    return 0


def _open_store(settings: Settings) -> Any:
    from store.engine import open_store

    return open_store(settings.database_url)


def _load(args: argparse.Namespace) -> int:
    if not args.no_recompute:
        _start_workers_early(args)
    from loaders.pipeline import LoadOptions, expand_paths, iter_load
    from loaders.pseudonym import resolve_key
    from scorecard.safe_export import write_json
    from store.engine import get_meta

    settings = _settings(args)
    try:
        paths = expand_paths(args.paths)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    if not paths:
        raise UsageError("no extract files (.csv, .xlsx, .xml) found in " + ", ".join(map(str, args.paths)))
    engine = _open_store(settings)
    options = LoadOptions(
        key=resolve_key(settings.secret_key, settings.secret_key_file, get_meta(engine, "key_fingerprint")),
        kind=args.kind,
        default_la=settings.default_la,
        partner=args.partner,
        loaded_by=getpass.getuser(),
        progress=_progress,
        on_wait=_say,
        limits=settings.read_limits(),
        date_grace_days=settings.date_grace_days,
        measures=settings.measures(),
    )
    outcomes = []
    for path, outcome in iter_load(engine, paths, options):
        outcome.file = str(path)
        outcomes.append(outcome)
        if not args.json:
            print(_outcome_line(outcome), flush=True)
    if args.json:
        write_json(sys.stdout, [o.to_json() for o in outcomes])
    if not args.no_recompute and any(o.status == "loaded" for o in outcomes):
        _recompute_after_load(engine, settings, quiet=args.json)
    return 1 if any(o.status == "rejected" for o in outcomes) else 0


def _recompute_after_load(engine: Any, settings: Settings, *, quiet: bool, full: bool = False) -> None:
    from metrics.recompute import recompute
    from metrics.registry import load_registry

    registry = load_registry(settings.measures())
    summary = recompute(engine, targets_file=settings.targets_file, registry=registry, jobs=None, full=full)
    if not quiet:
        print(f"recomputed indicators: {summary}")


def _start_workers_early(args: argparse.Namespace) -> None:
    """Start the worker pool's fork server before this command's imports, when its
    recompute may use it: the two imports then run side by side (metrics.worker_pool)."""
    from metrics.worker_pool import start_forkserver, wanted

    if wanted(getattr(args, "executor", "local"), getattr(args, "jobs", None)):
        start_forkserver()


def _recompute(args: argparse.Namespace) -> int:
    _start_workers_early(args)
    from metrics.executors import ExecutorError
    from metrics.recompute import recompute
    from metrics.registry import load_registry
    from scorecard.settings import Settings

    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler is for --executor dask")
    settings = Settings.from_env(database_url=args.db, targets_file=args.targets)
    try:
        summary = recompute(
            _open_store(settings),
            targets_file=settings.targets_file,
            registry=load_registry(settings.measures()),
            full=args.full,
            jobs=args.jobs,
            executor=args.executor,
            scheduler=args.scheduler,
        )
    except ExecutorError as exc:
        raise UsageError(str(exc)) from None
    print(f"recomputed indicators: {summary}")
    return 0


def _kpis(args: argparse.Namespace) -> int:
    from metrics.kpi_export import FIRST_COLUMNS, MORE_COLUMNS, export_rows, kpi_table, results_are_current
    from metrics.recompute import recompute
    from metrics.registry import load_registry
    from scorecard.safe_export import write_csv, write_json
    from scorecard.settings import Settings

    if args.first and args.last and args.first > args.last:
        raise UsageError(f"--from {args.first:%Y-%m} is after --to {args.last:%Y-%m}")
    settings = Settings.from_env(database_url=args.db)
    engine = _open_store(settings)
    registry = load_registry(settings.measures())  # with the pm_* of SCORECARD_MEASURES_FILE
    if not results_are_current(engine):
        print("results are older than the latest load: recomputing first ...", file=sys.stderr)
        recompute(engine, targets_file=settings.targets_file, registry=registry)
    where: dict[str, Any] = {
        "grain": args.grain,
        "first_month": args.first,
        "last_month": args.last,
        "la_code": args.la,
    }
    if args.audience == "board":
        from metrics.disclosure import shared_kpi_table

        frame = shared_kpi_table(engine, registry, settings.suppression_threshold, by=args.by, **where)
    else:
        frame = kpi_table(engine, registry, by=args.by, **where)
    columns = [*FIRST_COLUMNS, *MORE_COLUMNS]
    rows = export_rows(frame, columns)
    if args.format == "json":
        write_json(sys.stdout, [dict(zip(columns, row, strict=True)) for row in rows], indent=1)
    else:
        write_csv(sys.stdout, columns, rows, lineterminator="\n")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from scorecard.app import serve
    from scorecard.settings import Settings

    if args.threads < 1:
        raise UsageError("--threads must be at least 1")
    serve(Settings.from_env(database_url=args.db), host=args.host, port=args.port, threads=args.threads)
    return 0


def _new_password(username: str) -> str:
    """The password from SCORECARD_NEW_PASSWORD (scripts), else asked twice on the terminal."""
    given = os.environ.get("SCORECARD_NEW_PASSWORD")
    if given:
        return given
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password: set SCORECARD_NEW_PASSWORD")
    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("The same again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def _users(args: argparse.Namespace) -> int:
    from scorecard import accounts
    from scorecard.audit import record

    engine = _open_store(_settings(args))
    who = f"{getpass.getuser()} (command line)"
    action = args.users_command
    if action == "list":
        rows = accounts.list_users(engine)
        for r in rows:
            for key in ("created_at", "last_sign_in"):
                r[key] = r[key].isoformat(sep=" ", timespec="seconds") if r[key] else ""
        cols = ["username", "role", "agency", "las", "active", "password", "created_at", "last_sign_in"]
        _write_rows(rows, cols, args.format, sys.stdout)
        return 0
    if action == "add":
        password = None if args.no_password else _new_password(args.username)
        user = accounts.add_user(engine, args.username, args.role, password, args.agency, args.las)
        done = f"added {user.username} ({user.role}; LAs {','.join(sorted(user.las)) or 'none'})"
    elif action in ("disable", "enable"):
        accounts.set_active(engine, args.username, action == "enable")
        done = f"{args.username} {action}d"
    elif action == "set-role":
        user = accounts.set_role(engine, args.username, args.role, args.agency, args.las)
        done = f"{user.username} is now {user.role} (LAs {','.join(sorted(user.las)) or 'none'})"
    else:
        accounts.reset_password(engine, args.username, _new_password(args.username))
        done = f"new password set for {args.username}; their sessions have ended"
    record(engine, "user", who, None, f"{action}: {done}")
    print(done)
    return 0


def _audit(args: argparse.Namespace) -> int:
    from scorecard.audit import read_audit
    from store.times import uk_day_start

    since = uk_day_start(args.since) if args.since else None
    rows = read_audit(_open_store(_settings(args)), args.user, since)
    for r in rows:
        r["at"] = r["at"].isoformat(sep=" ", timespec="seconds")
    cols = ["audit_id", "at", "username", "action", "la_code", "detail", "address"]
    _write_rows(rows, cols, args.format, sys.stdout)
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from store.engine import describe_url, open_store
    from store.migrate import upgrade_store

    url = _settings(args).database_url
    print(upgrade_store(open_store(url, create=False), describe_url(url)))
    return 0


def _outcome_line(o: Any) -> str:
    if o.status == "rejected":
        message = str(o.message).removeprefix(f"{Path(o.file).name}: ")
        return f"{o.file}: REJECTED ({o.kind}): {message}"
    if o.status == "unchanged":
        return f"{o.file}: {o.kind}: unchanged ({o.message})"
    line = f"{o.file}: {o.kind}: {o.rows_read:,} read, {o.rows_loaded:,} loaded, {o.rows_rejected:,} rejected"
    if len(o.by_kind) > 1:
        parts = ", ".join(f"{k} {c.rows_loaded:,}/{c.rows_read:,}" for k, c in o.by_kind.items())
        line += f" [{parts}]"
    if o.next_step:
        line += f". Next: {o.next_step}"
    for warning in o.warnings:
        line += f"\n    warning: {warning}"
    return line


def _retract(args: argparse.Namespace) -> int:
    from loaders.retract import retract_load
    from scorecard.audit import record

    settings = _settings(args)
    engine = _open_store(settings)
    done = retract_load(engine, args.load_id, by=getpass.getuser())
    record(engine, "retract", f"{getpass.getuser()} (command line)", None, f"load {args.load_id}: {done}")
    print(done)
    if not args.no_recompute:
        # A retraction is no new load: the incremental plan cannot see it, so all is redone.
        _recompute_after_load(engine, settings, quiet=False, full=True)
    return 0


def _loads(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from store.schema import loads
    from store.times import uk_time

    engine = _open_store(_settings(args))
    cols = [
        "load_id",
        "finished_at",
        "file_name",
        "kind",
        "format",
        "partner",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "loaded_by",
    ]
    with engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(select(*[loads.c[c] for c in cols]).order_by(loads.c.load_id))
        ]
    for r in rows:
        r["finished_at"] = uk_time(r["finished_at"]).isoformat(sep=" ", timespec="seconds")
    _write_rows(rows, cols, args.format, sys.stdout)
    return 0


def _rejects(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from store.schema import loads, rejects

    engine = _open_store(_settings(args))
    if args.by_code:
        return _rejects_by_code(engine, args)
    query = (
        select(
            rejects.c.load_id,
            loads.c.file_name.label("file"),
            rejects.c.kind,
            rejects.c.la_code,
            rejects.c.sheet,
            rejects.c.row_number,
            rejects.c.location,
            rejects.c.column_name.label("column"),
            rejects.c.value,
            rejects.c.reason,
            rejects.c.reason_code.label("code"),
        )
        .join(loads, loads.c.load_id == rejects.c.load_id)
        .order_by(rejects.c.load_id, rejects.c.kind, rejects.c.row_number, rejects.c.reject_id)
    )
    if args.load is not None:
        query = query.where(rejects.c.load_id == args.load)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        if args.load is not None and not rows:
            exists = conn.execute(select(loads.c.load_id).where(loads.c.load_id == args.load)).first()
            if exists is None:
                raise UsageError(f"there is no load {args.load}: see the loads with 'scorecard loads'")
    cols = [
        "load_id",
        "file",
        "kind",
        "la_code",
        "sheet",
        "row_number",
        "location",
        "column",
        "value",
        "code",
        "reason",
    ]
    _write_rows(rows, cols, args.format, sys.stdout)
    if args.format == "table" and not rows:
        print("no rejected rows", file=sys.stderr)
    return 0


def _rejects_by_code(engine: Any, args: argparse.Namespace) -> int:
    from metrics.results import reject_reasons

    frame = reject_reasons(engine, args.load)
    rows = [
        {
            "kind": r["kind"],
            "column": r["column_name"],
            "code": r["reason_code"],
            "rows": int(r["rows"]),
            "example": r["reason"],
        }
        for r in frame.to_dict("records")
    ]
    _write_rows(rows, ["kind", "column", "code", "rows", "example"], args.format, sys.stdout)
    if args.format == "table" and not rows:
        print("no rejected rows", file=sys.stderr)
    return 0


def _write_rows(rows: list[dict[str, Any]], cols: list[str], fmt: str, out: TextIO) -> None:
    from scorecard.safe_export import is_blank, write_json, write_records_csv

    if fmt == "json":
        write_json(out, rows)
        return
    if fmt == "csv":
        write_records_csv(out, rows, cols)
        return
    shown = [c for c in cols if any(not is_blank(r.get(c)) and r.get(c) != "" for r in rows)] or cols
    # A terminal runs no formulas: the table shows text as it is.
    table = [[("" if is_blank(r.get(c)) else str(r.get(c))) for c in shown] for r in rows]
    # Every column but the last is cut at 40 characters; the last (a reason, say) is shown whole.
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(shown)]
    widths = [min(40, w) for w in widths[:-1]] + widths[-1:]
    out.write("  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip() + "\n")
    for row in table:
        cells = [v[:w].ljust(w) for v, w in zip(row[:-1], widths[:-1], strict=True)] + row[-1:]
        out.write("  ".join(cells).rstrip() + "\n")


if __name__ == "__main__":
    sys.exit(main())
