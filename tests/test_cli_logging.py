"""The command line prints warnings on standard error, and a library's INFO lines not at all."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import logging
from scorecard.cli import _log_warnings
_log_warnings()
chatty = logging.getLogger("distributed.scheduler")
chatty.setLevel(logging.INFO)  # as Dask's own logging configuration does
chatty.info("Scheduler closing all comms")
logging.getLogger("metrics.recompute").warning("the periods were cut at the calendar's end")
"""


def test_warnings_are_printed_and_a_library_s_info_lines_are_not() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert done.stderr.splitlines() == ["scorecard: warning: the periods were cut at the calendar's end"]
