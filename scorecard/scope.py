"""Which loads (and so which rejected rows) the signed-in user may see.

Reading (``shared/docs/SECURITY.md``, "load history and rejected rows"): an
administrator sees every load; a partner the loads attributed to its agency
(``loads.partner``); a manager or analyst the loads whose every LA (``load_counts``,
or the load's default LA when it counted none) is granted to them, so a file that
mixed two LAs' rows is not shown to the staff of only one of them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from scorecard.access import User
from store.schema import load_counts, loads


def visible_load_ids(engine: Engine, user: User | None) -> set[int] | None:
    """The ids of the loads the user may see; None means every load."""
    if user is None or not user.can("loads"):
        return set()
    if user.role == "admin" or (user.every_la and user.role != "partner"):
        return None
    with engine.connect() as conn:
        if user.role == "partner":
            query = select(loads.c.load_id).where(loads.c.partner == user.agency)
            return {int(i) for i in conn.execute(query).scalars()}
        las: dict[int, set[str | None]] = {}
        for load_id, la in conn.execute(select(loads.c.load_id, loads.c.la_default)):
            las[int(load_id)] = {la}
        counted: dict[int, set[str | None]] = {}
        for load_id, la in conn.execute(select(load_counts.c.load_id, load_counts.c.la_code)):
            counted.setdefault(int(load_id), set()).add(la)
    las.update(counted)
    return {i for i, codes in las.items() if codes and all(user.may_see_la(c) for c in codes)}


def visible_loads(frame: pd.DataFrame, allowed: set[int] | None) -> pd.DataFrame:
    """The rows of a frame with a ``load_id`` column that are in ``allowed`` (None: all)."""
    if allowed is None or frame.empty:
        return frame
    return frame[frame["load_id"].isin(sorted(allowed))]
