"""Freeze the England and Wales bank holidays into metrics/data (run by hand, output committed).

The `holidays` package is the maintained source; the app reads only the frozen CSV, so
results never change with a package upgrade. Weekend dates (a Christmas Day on a Sunday)
are left out: the substitute weekday is the bank holiday, as on gov.uk.

    .venv/bin/python scripts/freeze_bank_holidays.py 2010 2030
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import holidays

OUT = Path(__file__).resolve().parent.parent / "metrics" / "data" / "bank_holidays_england_wales.csv"


def main(first: int, last: int) -> None:
    years = range(first, last + 1)
    eng = holidays.country_holidays("GB", subdiv="ENG", years=years)
    wls = holidays.country_holidays("GB", subdiv="WLS", years=years)
    if set(eng) != set(wls):
        raise SystemExit(f"England and Wales differ: {sorted(set(eng) ^ set(wls))}")
    rows = sorted((d, name) for d, name in eng.items() if d.weekday() < 5)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        f.write(f"# England and Wales bank holidays {first}-{last}, from holidays {holidays.__version__}\n")
        writer = csv.writer(f)
        writer.writerow(["date", "name"])
        writer.writerows((d.isoformat(), name) for d, name in rows)
    print(f"wrote {len(rows)} bank holidays to {OUT}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
