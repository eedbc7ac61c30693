"""The dashboard: ``python app.py`` (the same as ``scorecard serve``).

Reads the settings from the environment (see scorecard/settings.py), creates the store
if needed, loads the committed samples on the first run and serves the dashboard at
http://127.0.0.1:8050. It goes through the command line so that a store it cannot use
(one needing ``scorecard upgrade``, say) gets the same one-line message and exit status.
"""

from __future__ import annotations

import sys

from scorecard.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve"]))
