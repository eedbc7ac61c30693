"""The dashboard: ``python app.py`` (the same as ``scorecard serve``).

Reads the settings from the environment (see scorecard/settings.py), creates the store
if needed, loads the committed samples on the first run and serves the dashboard at
http://127.0.0.1:8050.
"""

from __future__ import annotations

from scorecard.app import serve
from scorecard.settings import Settings

if __name__ == "__main__":
    serve(Settings.from_env())
