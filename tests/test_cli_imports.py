"""`scorecard --help` starts without the heavy libraries: each command imports its own."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "sqlalchemy", "pydantic", "pyarrow", "dash", "yaml")

PROBE = """
import sys
from scorecard.cli import main
try:
    main([{args}])
except SystemExit:
    pass
print("LOADED:" + ",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded_after(*args: str) -> list[str]:
    code = PROBE.format(args=", ".join(repr(a) for a in args), heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found = [ln for ln in out.stdout.splitlines() if ln.startswith("LOADED:")]
    assert found, out.stdout + out.stderr
    return [m for m in found[0].removeprefix("LOADED:").split(",") if m]


def test_help_imports_none_of_the_heavy_libraries() -> None:
    assert _loaded_after("--help") == []
    assert _loaded_after("recompute", "--help") == []


def test_a_bad_kind_is_refused_with_the_kinds_listed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scorecard.cli", "load", "x.csv", "--kind", "nonsense"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert "'nonsense' is not an extract kind: use one of contacts" in out.stderr
