"""Who may do what: roles, their permissions, and the authorisation map of pages and callbacks.

``shared/docs/SECURITY.md`` ("Who may see what") is the source; this module is its
table as data, checked on the server by ``scorecard.websecurity`` before any page or
callback runs, and by the callbacks themselves for the data they return (LA scope,
a partner's agency, suppression for the board).

Readings taken where the spec leaves a choice:

- **board** sees the scorecard page and the indicator pages, always suppressed (the
  table's "scorecard, journey, indicator pages (aggregates): suppressed"). The indicator
  page shows the board the period's numbers and every breakdown as disclosed for
  sharing (``metrics.disclosure`` through ``scorecard.sharing.as_seen_by``; a hidden
  cell is "c"); commentary and actions to read, with no way to write them; no records
  and no target form; its one download of a breakdown is the version for sharing and
  says so. No monthly SPC series, as for partners below: months beside the period's
  total need disclosure across periods (rule 5 of ``metrics.disclosure``), and the
  control limits are computed from unsuppressed values. Disclosing each month alone
  took 1.2-2.2 s per indicator for 36 months on the test store (2 December 2026; the
  period alone 36-69 ms) and would still miss rule 5. The server keeps records, their
  downloads, writing commentary and actions, and targets closed to the board whatever
  the page shows (``CALLBACK_PERMISSIONS`` and the callbacks' own checks). The board
  also sees the Journey, Early help, Workforce and Quality pages in their versions for
  sharing (below). A page with no version for sharing stays closed to the board rather
  than shown unsuppressed.
- **partner**: "operational (unsuppressed) aggregates: own agency's rows" is read as:
  in a breakdown by agency (the Partners page's front door by source agency and early
  help by lead agency, an indicator's breakdown by agency, and their downloads) the
  rows of the partner's own agency (``scorecard.agencies``: ``users.agency`` names an
  agency, its ``groups`` are its rows) are shown as stored; every other number (other
  agencies' rows, the LA's totals, localities and teams) is shown as it is shared,
  after disclosure control (``metrics.disclosure``), so a partner sees no other
  agency's small numbers and cannot work them out from an unsuppressed total. Hence
  the permission ``la_operational`` (a whole LA's operational numbers), which partners
  lack: the scorecard page shows them the board's suppressed version (and exports for
  sharing only); the indicator page shows the period's numbers as above and not the
  monthly SPC series (the series of a whole LA or group, unsuppressed, month by month).
  The callbacks enforce it (``scorecard.sharing.as_seen_by``), not the layout.
- **Journey, Early help, Workforce and Quality for the board and partners**: SECURITY.md
  gives both "scorecard, journey, indicator pages (aggregates)", so these pages are
  ``view`` and have a version for sharing, chosen in their content callbacks from the
  signed-in user (``User.always_suppressed``; ``scorecard.sharing.PeriodView``):
  every number is the period's as disclosed for sharing (``metrics.disclosure``, the
  whole period at once, read once per request), a hidden one shown as ``c``; a
  partner's own agency's rows as stored where a page breaks down by agency (Quality's
  audits by the lead auditor's agency; the other three have no agency breakdown). Every
  CSV of these pages is then the version for sharing and says so (no own rows as
  stored: a file can leave the organisation); there are no record lists on them. The
  month-by-month series (journey conversion, early help starts, closures and outcomes,
  workforce by LA and team) are left out of this version, with a line saying why.
  Disclosing each month on its own is not enough: beside the period's figure a hidden
  month is the period minus the others, so the months and the period must be disclosed
  together (``metrics.disclosure`` rule 5, as the board pack does for its whole-LA
  charts), which can hide one more of the period's cells than the scorecard hides, and
  the workforce's series by team need every team's months as well. Measured on the
  benchmark pack store (2026-12-02, load 3 and 13): ``shared_view`` month by month
  costs 14-30 ms per month for a page's indicators, 0.4-0.6 s for 24 months; the
  period and 24 whole-LA months disclosed together 0.1-0.26 s (period alone 20-40 ms).
  Monthly numbers are mostly small, and the scorecard's sparklines (board) and the
  indicator page's series (partners) are left out for the same reason: one reading for
  every page. Workforce: kpis.md's rule applies to staff numbers as written (it names no
  other); FTE and caseloads are ``number`` indicators, hidden when their numerator or
  denominator (an FTE, a count of cases) is from 1 to the threshold
  (``metrics.suppression``): a team of a handful of people is not shown. The early
  help outcome-score change follows ``metrics.outcome_scores.disclosed_scores``. A
  partner knows its own agency's rows and could subtract them from a total: its cells
  are disclosed with those rows known (``scorecard.sharing.PeriodView``), hiding what
  the board's version hides and whatever more that would give away.
- **partner** also sees the load history and rejected rows of its own agency's loads
  (``loads.partner`` is the agency), and the records behind front-door indicators
  (contacts and referrals) whose source rolls up to its agency. Its uploads are
  attributed to its agency whatever the form says, and only of the kinds its agency
  supplies (``scorecard/data/agencies.yaml``), checked at preview and at load.
  Writing commentary "on its own agency's measures" needs partner-owned measures,
  which the store does not have yet: partners read commentary only.
- **LA scope**: a user sees the LAs granted (``user_las``; ``*`` grants every LA);
  an administrator sees every LA. An LA outside the grant is treated like an LA with
  no results (the page shows a granted LA instead), so its existence is not revealed.
- A callback whose outputs are not in :data:`CALLBACK_PERMISSIONS` needs ``view`` (a
  signed-in user who may see aggregates); callbacks that return anything more are
  listed, and ``tests/test_security_web.py``
  (``test_every_callback_output_is_in_the_authorisation_map``) fails when a new
  callback's output is missing from the map, so the choice is made on purpose.

Example::

    >>> user = User(1, "pat", "partner", agency="Police", las=frozenset({"394"}))
    >>> [p for p in sorted(PERMISSIONS) if user.can(p)]
    ['loads', 'operational', 'records', 'upload', 'view']
    >>> sorted(permissions_for_outputs("..indicator-records-file.data...indicator-content.children.."))
    ['records', 'view']
    >>> page_permission("/indicator/referrals"), page_permission("/journey"), page_permission("/admin/users")
    ('view', 'view', 'admin')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["board", "partner", "manager", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("board", "partner", "manager", "analyst", "admin")
EVERY_LA = "*"

PERMISSIONS: dict[str, str] = {
    "view": "aggregate pages",
    "operational": "operational (unsuppressed) aggregates (a partner: its own agency's rows only)",
    "la_operational": "operational aggregates of a whole LA (not only one agency's rows)",
    "records": "record lists behind a number and their downloads",
    "loads": "load history and rejected rows",
    "upload": "upload and load extracts",
    "retract": "retract a load",
    "comment": "write commentary and clinic actions",
    "targets": "targets and the measures file",
    "admin": "users, roles and the audit log",
}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    "board": frozenset({"view"}),
    "partner": frozenset({"view", "operational", "records", "loads", "upload"}),
    "manager": frozenset({"view", "operational", "la_operational", "records", "loads", "comment"}),
    "analyst": frozenset(
        {
            "view",
            "operational",
            "la_operational",
            "records",
            "loads",
            "upload",
            "retract",
            "comment",
            "targets",
        }
    ),
    "admin": frozenset(PERMISSIONS),
}

ROLE_TEXT: dict[Role, str] = {
    "board": "Board member: suppressed aggregates only",
    "partner": "Partner: one agency's rows, loads and uploads",
    "manager": "Manager: record lists and operational views for the granted LAs",
    "analyst": "Analyst: everything for the granted LAs, loads, targets, commentary",
    "admin": "Administrator: users and roles, the audit log, and everything an analyst has",
}


@dataclass(frozen=True)
class User:
    """A signed-in person as the pages see them (no password hash)."""

    user_id: int
    username: str
    role: Role
    agency: str | None = None
    las: frozenset[str] = field(default_factory=frozenset)
    active: bool = True

    def can(self, permission: str) -> bool:
        """True when the user's role carries the permission."""
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}: expected one of {', '.join(PERMISSIONS)}")
        return self.active and permission in ROLE_PERMISSIONS[self.role]

    # What Flask-Login asks of a user object.
    @property
    def is_authenticated(self) -> bool:
        return self.active

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.user_id)

    @property
    def every_la(self) -> bool:
        return self.role == "admin" or EVERY_LA in self.las

    def may_see_la(self, la_code: str | None) -> bool:
        return la_code is not None and (self.every_la or la_code in self.las)

    def visible_las(self, las: list[str]) -> list[str]:
        """The LAs of ``las`` this user may see, in the same order."""
        return [la for la in las if self.may_see_la(la)]

    @property
    def always_suppressed(self) -> bool:
        """The board and partners see a whole LA's numbers suppressed only (a partner's own
        agency's rows are the exception: :attr:`own_rows_only`)."""
        return not self.can("la_operational")

    @property
    def own_rows_only(self) -> bool:
        """A partner: operational numbers for its own agency's rows, the rest as shared."""
        return self.can("operational") and not self.can("la_operational")


# Pages by path prefix (longest first wins); a path not listed needs "operational".
PAGE_PERMISSIONS: dict[str, str] = {
    "/admin": "admin",
    "/loads": "loads",
    "/data-quality": "loads",
    # The board and partners: numbers as shared (but a partner's own rows), no series.
    "/indicator": "view",
    "/journey": "view",  # the version for sharing for the board and partners
    "/partners": "operational",
    "/early-help": "view",
    "/workforce": "view",
    "/quality": "view",
    # Clinic actions are read by everyone who sees operational numbers and written by those
    # who may write commentary (SECURITY.md); the callbacks check "comment" before a write.
    "/actions": "operational",
    "/": "view",
}

# Callback outputs (component ids) that need more than "view". A callback needs every
# permission of its outputs. Filter controls, page content and the scorecard table are
# "view"; the callbacks scope their data to the user (the Journey, Early help, Workforce
# and Quality content disclose their numbers for the board and partners: listed as "view").
CALLBACK_PERMISSIONS: dict[str, str] = {
    # Read by everyone who opens the page; the callback checks "comment" before a write.
    "indicator-content": "view",
    "indicator-comments": "view",
    "indicator-comment-body": "view",
    "indicator-comment-message": "view",
    "indicator-records": "records",
    "indicator-records-file": "records",
    "indicator-actions-list": "view",
    "indicator-actions-message": "view",
    "indicator-target-message": "targets",
    "journey-content": "view",
    "partners-content": "operational",
    "early-help-content": "view",
    "workforce-content": "view",
    "quality-content": "view",
    "loads-template-file": "upload",
    "loads-template-message": "upload",
    "data-quality-content": "loads",
    "data-quality-loads": "loads",
    "data-quality-rejects": "loads",
    "data-quality-rejects-file": "loads",
    "loads-preview": "upload",
    "loads-confirm": "upload",
    "loads-cancel": "upload",
    "loads-result": "upload",
    "loads-history": "upload",
    "loads-token": "upload",
    "actions-list": "operational",
    "actions-csv": "operational",
    "actions-update-message": "operational",
    "loads-retract-result": "retract",
    "admin-users-table": "admin",
    "admin-users-message": "admin",
    "admin-audit-table": "admin",
}
# Prefixes of whole pages' callbacks (filter controls included).
CALLBACK_PREFIXES: dict[str, str] = {
    "indicator-": "view",
    "journey-": "view",
    "partners-": "operational",
    "early-help-": "view",
    "workforce-": "view",
    "quality-": "view",
    "data-quality-": "loads",
    "loads-": "upload",
    "actions-": "operational",
    "admin-": "admin",
}


def output_ids(output: str) -> list[str]:
    """The component ids in a Dash callback's ``output`` string.

    >>> output_ids("..a.children...b-c.data..")
    ['a', 'b-c']
    >>> output_ids("x.children")
    ['x']
    """
    text = output.strip()
    parts = text[2:-2].split("...") if text.startswith("..") and text.endswith("..") else [text]
    return [part.rsplit(".", 1)[0] for part in parts if part]


def permission_for_id(component_id: str) -> str:
    if component_id in CALLBACK_PERMISSIONS:
        return CALLBACK_PERMISSIONS[component_id]
    for prefix, permission in CALLBACK_PREFIXES.items():
        if component_id.startswith(prefix):
            return permission
    return "view"


def permissions_for_outputs(output: str) -> frozenset[str]:
    """Every permission a callback with these outputs needs."""
    return frozenset(permission_for_id(i) for i in output_ids(output))


def page_permission(path: str) -> str:
    """The permission a page path needs."""
    for prefix in sorted(PAGE_PERMISSIONS, key=len, reverse=True):
        if prefix == "/" and path in ("", "/"):
            return PAGE_PERMISSIONS[prefix]
        if prefix != "/" and (path == prefix or path.startswith(prefix + "/")):
            return PAGE_PERMISSIONS[prefix]
    return "operational"
