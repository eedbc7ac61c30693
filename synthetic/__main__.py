"""``python -m synthetic``: generate the synthetic extracts from the command line.

A thin wrapper over :func:`synthetic.generate`; prints each file's row count.

Example::

    python -m synthetic --out data/samples --children 2000 --years 3 \\
        --start 2022-04-01 --las 394,390 --seed 2026
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from synthetic.generator import generate


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line's arguments.

    Example::

        >>> parse_args(["--out", "x", "--las", "394, 390"]).las
        ['394', '390']
    """
    p = argparse.ArgumentParser(
        prog="python -m synthetic",
        description="Write deterministic synthetic canonical extracts (one CSV per kind).",
    )
    p.add_argument("--out", required=True, type=Path, help="output folder (created if needed)")
    p.add_argument("--children", type=int, default=2000, help="0-17 population per LA")
    p.add_argument("--years", type=int, default=3, help="years of data from --start (1-20)")
    p.add_argument("--start", type=_date, default=date(2022, 4, 1), help="first day, YYYY-MM-DD")
    p.add_argument(
        "--las",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        default=["394"],
        help="comma-separated LA codes (394 or E08000024 style)",
    )
    p.add_argument("--seed", type=int, default=2026, help="random seed")
    p.add_argument("--quiet", action="store_true", help="print only the row counts")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; 0 on success, 2 on a bad argument (message on stderr)."""
    args = parse_args(argv)
    began = time.perf_counter()

    def progress(msg: str) -> None:
        if not args.quiet and msg.startswith("LA "):
            print(msg, file=sys.stderr)

    try:
        files = generate(
            args.out,
            children=args.children,
            years=args.years,
            start=args.start,
            las=args.las,
            seed=args.seed,
            progress=progress,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for kind, f in files.items():
        print(f"{kind:<12} {f.rows:>10,}  {f.path}")
    if not args.quiet:
        print(f"done in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
