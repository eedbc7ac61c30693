"""Data loads: upload extract files, see per file what would be loaded and rejected (and
why) before confirming; confirm loads them and recomputes; the load history.

Nothing is written until "Confirm" is pressed, and then only files that have rows to
load: a file rejected whole, or identical to one already loaded, changes nothing.

The preview is required (``shared/docs/SECURITY.md``): the preview keeps the uploaded
bytes on the server (``scorecard.uploads``) under a token bound to the session, and
"Confirm" sends only that token, never file contents; the files are validated again on
confirm, against the store as it is then. A partner's uploads are attributed to its
agency, whatever the form says.

The page offers each role what it may do (``scorecard.access``): a partner's kind list
and template download hold only what its agency supplies (``scorecard/data/agencies.yaml``)
and its agency is shown as the partner; a manager (``loads`` without ``upload``) sees the
load history and no upload form; the retract form is for roles that may retract. The
forms are hidden, not left out, so that their callbacks keep their components; the
callbacks refuse on the server whatever the page offered.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html

from metrics import results
from metrics.recompute import recompute
from metrics.wording import column_words, name_columns
from scorecard.agencies import default_agencies
from scorecard.audit import audit_request, current_viewer
from scorecard.components.load_tables import loads_table
from scorecard.components.markup import props
from scorecard.components.measure_template import owner_choices, template_file, user_agency
from scorecard.components.tables import download_link, frame_table
from scorecard.context import AppContext, get_context
from scorecard.errors import UserFacingError
from scorecard.formatting import format_number, plural
from scorecard.pagekit import routed
from scorecard.scope import visible_load_ids, visible_loads
from scorecard.websecurity import session_owner, signed_in_user
from store.codes import AGENCY_LABELS
from store.extracts import EXTRACTS, KIND_ORDER

PREFIX = "loads"
AUTO_KIND = "auto"
REJECTS_PREVIEW = 20
HISTORY_SHOWN = 50
UPLOAD_LABEL = "Extract files: choose one or more files to check before loading"


def _decode(contents: str, name: str) -> bytes:
    """The bytes of an uploaded file (a ``data:...;base64,`` URL)."""
    try:
        _, encoded = contents.split(",", 1)
        return base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise UserFacingError(
            f"{name}: the browser sent the file in a form that cannot be read; try again."
        ) from None


def _files(app: AppContext, contents: list[str], names: list[str]) -> list[tuple[str, bytes]]:
    """The uploaded files' bytes, each within the size limit."""
    limit = app.settings.upload_max_bytes
    files = []
    for c, name in zip(contents, names, strict=True):
        data = _decode(c, name)
        if len(data) > limit:
            raise UserFacingError(
                f"{name}: the file is {len(data) / 1048576:.1f} MB; the limit is {limit // 1048576} MB."
            )
        files.append((name, data))
    return files


def load_options(app: AppContext, kind: str | None, la: str | None, partner: str | None) -> Any:
    """The loaders' options for a browser upload (key from the settings)."""
    from loaders.pipeline import LoadOptions
    from loaders.pseudonym import PseudonymKeyError, resolve_key
    from store.engine import get_meta

    try:
        key = resolve_key(
            app.settings.secret_key, app.settings.secret_key_file, get_meta(app.engine, "key_fingerprint")
        )
    except PseudonymKeyError as exc:
        raise UserFacingError(str(exc)) from None
    user = signed_in_user()
    if user is not None and user.role == "partner":
        partner = user.agency  # a partner uploads for its own agency only
    return LoadOptions(
        key=key,
        kind=None if kind in (None, "", AUTO_KIND) else kind,
        default_la=(la or "").strip() or app.settings.default_la,
        partner=(partner or "").strip() or None,
        loaded_by=current_viewer() or "dashboard upload",
        limits=app.settings.read_limits(),
        date_grace_days=app.settings.date_grace_days,
        measures=app.measures,
    )


def prepare_all(app: AppContext, files: list[tuple[str, bytes]], options: Any) -> list[Any]:
    """Read and validate every file without writing anything; a file with rows for an LA
    the user is not granted is refused (a load replaces that LA's records)."""
    from loaders.pipeline import prepare_bytes

    user = signed_in_user()
    if options.kind is not None:
        refuse_other_kinds(app, user, {options.kind}, ", ".join(n for n, _ in files), options.default_la)
    prepared = [prepare_bytes(app.engine, name, data, options) for name, data in files]
    for p in prepared:
        refuse_other_kinds(app, user, {t.kind for t in p.tables}, p.outcome.file, options.default_la)
        outside = sorted(la for la in las_of(p) if user is None or not user.may_see_la(la))
        if outside:
            raise UserFacingError(
                f"{p.outcome.file}: has rows for LA {', '.join(outside)}, which your account is not "
                "granted; nothing was loaded. Ask an administrator, or remove those rows."
            )
    return prepared


def refuse_other_kinds(app: AppContext, user: Any, kinds: set[str], what: str, la: str | None) -> None:
    """Refuse (audited) a partner's file of a kind its agency does not supply
    (``scorecard/data/agencies.yaml``; the reading is in ``scorecard.agencies``)."""
    if user is None or user.role != "partner":
        return
    agencies = default_agencies()
    others = sorted(k for k in kinds if not agencies.may_upload(user.agency, k))
    if not others:
        return
    mine = agencies.kinds_of(user.agency)
    audit_request(
        app.engine, "upload.refused", f"{what}: kind {', '.join(others)} (agency {user.agency})", la
    )
    raise UserFacingError(
        f"{what}: a {', '.join(others)} extract is not one {user.agency} supplies; nothing was loaded. "
        + (
            f"Partner accounts of {user.agency} may load: {', '.join(mine)}."
            if mine
            else f"Partner accounts of {user.agency} may load no extract kind on this installation."
        )
        + " Ask the partnership's analysts to load it."
    )


def las_of(prepared: Any) -> set[str]:
    """The LAs a prepared file would write rows for."""
    found: set[str] = set()
    for table in prepared.tables:
        counts = table.counts
        found |= {str(la) for la in counts.loc[counts["rows_loaded"] > 0, "la_code"].dropna()}
    return found


def loadable(prepared: Any) -> bool:
    """A file with rows to load (not rejected whole, not identical to an earlier load)."""
    return prepared.outcome.status == "preview" and prepared.outcome.rows_loaded > 0


def _status_words(prepared: Any) -> tuple[str, str]:
    out = prepared.outcome
    if out.status == "rejected":
        return "Will not be loaded: the file is rejected", "sc-file-rejected"
    if out.status == "unchanged":
        return "Nothing to do: already loaded", "sc-file-unchanged"
    if out.rows_loaded == 0:
        return "Will not be loaded: every row is rejected", "sc-file-rejected"
    return "Ready to load", "sc-file-ok"


# The loaders' messages name the command line's options; on this page, its controls.
PAGE_CONTROLS: tuple[tuple[str, str], ...] = (
    ("give the kind (--kind KIND)", 'choose it under "Extract kind" above'),
    ("(scorecard load --la 394, or the LA option when uploading)", '(under "Local authority" above)'),
    ("give the LA (scorecard load --la 394)", 'choose the LA under "Local authority" above'),
)


def page_words(message: str, kind: str | None = None) -> str:
    """A loader's message with the command-line options replaced by this page's controls,
    and the column and kind names it quotes given their words (metrics.wording).

    >>> page_words("cannot tell which extract x.csv is: or give the kind (--kind KIND); kinds: cp_plans")
    ... # doctest: +NORMALIZE_WHITESPACE
    'cannot tell which extract x.csv is: or choose it under "Extract kind" above;
     kinds: Child protection plans (cp_plans)'
    """
    for cli, page in PAGE_CONTROLS:
        message = message.replace(cli, page)
    return name_columns(message, kind)


def file_card(prepared: Any) -> html.Div:
    """What would happen to one file: counts, message, warnings and the first rejects."""
    out = prepared.outcome
    words, css = _status_words(prepared)
    kind = EXTRACTS[out.kind].title if out.kind in EXTRACTS else out.kind
    facts = [
        html.H3(out.file, className="h5 mb-1"),
        html.P(html.Strong(words), className="mb-1"),
        html.P(
            f"{kind} ({out.format}): {plural(out.rows_read, 'row')} read, "
            f"{format_number(out.rows_loaded)} to load, "
            f"{format_number(out.rows_rejected)} rejected.",
            className="mb-1",
        ),
    ]
    if out.message:
        facts.append(html.P(page_words(out.message, out.kind), className="mb-1"))
    for warning in out.warnings:
        facts.append(html.P(f"Warning: {page_words(warning, out.kind)}", className="mb-1 sc-note"))
    if out.next_step:
        facts.append(html.P(f"Next: {page_words(out.next_step, out.kind)}", className="mb-1"))
    if len(out.by_kind) > 1:
        by_kind = pd.DataFrame(
            [
                {
                    "Extract": EXTRACTS[k].title if k in EXTRACTS else k,
                    "Read": format_number(c.rows_read),
                    "To load": format_number(c.rows_loaded),
                    "Rejected": format_number(c.rows_rejected),
                }
                for k, c in out.by_kind.items()
            ]
        )
        facts.append(frame_table(by_kind, caption="By extract", numeric=("Read", "To load", "Rejected")))
    rejects = prepared.rejects
    if out.status == "preview" and len(rejects):
        shown = rejects.head(REJECTS_PREVIEW)
        table = pd.DataFrame(
            {
                "Row": ["" if pd.isna(v) else str(int(v)) for v in shown["row_number"]],
                "Column": [
                    column_words(out.kind, c, quoted=True) if isinstance(c, str) and c else ""
                    for c in shown["column_name"]
                ],
                "Value": shown["value"].fillna(""),
                "Reason": [page_words(r, out.kind) for r in shown["reason"].fillna("")],
            }
        )
        caption = "Rejected rows" + (
            f" (the first {REJECTS_PREVIEW} of {len(rejects):,})" if len(rejects) > REJECTS_PREVIEW else ""
        )
        everything = rejects.fillna("").rename(columns=lambda c: column_words(out.kind, c))
        facts += [
            frame_table(table, caption=caption),
            download_link(
                everything,
                f"rejected_rows_{out.file}.csv",
                "Download every rejected row of this file (CSV)",
            ),
        ]
    return html.Div(facts, className=f"sc-file {css}")


def preview_view(prepared: list[Any]) -> list[Any]:
    """Every file's card and a summary of what confirming would do."""
    ready = [p for p in prepared if loadable(p)]
    if ready:
        rows = sum(p.outcome.rows_loaded for p in ready)
        summary = (
            f"Confirm to load {plural(len(ready), 'file')} ({plural(rows, 'row')}); "
            "the others change nothing."
        )
        if len(ready) == len(prepared):
            summary = f"Confirm to load {plural(len(ready), 'file')} ({plural(rows, 'row')})."
    else:
        summary = (
            "No file has rows to load: nothing will change. Fix the files as the messages "
            "say and upload them again."
        )
    return [
        html.H2("What would be loaded", className="h4"),
        html.P(summary, id=f"{PREFIX}-summary"),
        *[file_card(p) for p in prepared],
    ]


def commit_all(app: AppContext, prepared: list[Any]) -> list[Any]:
    """Write every loadable file (one transaction each).

    A store loaded with another pseudonymisation key refuses the load; its message says
    how to fix that, and is shown as it is.
    """
    from loaders.pipeline import commit_or_report
    from loaders.pseudonym import PseudonymKeyError

    try:
        return [commit_or_report(app.engine, p) for p in prepared if loadable(p)]
    except PseudonymKeyError as exc:
        raise UserFacingError(str(exc)) from None


def history_view(app: AppContext) -> Any:
    allowed = visible_load_ids(app.engine, signed_in_user())
    loads = visible_loads(results.load_history(app.engine, limit=HISTORY_SHOWN), allowed)
    if loads.empty:
        return html.P("No files have been loaded yet.")
    table = loads_table(loads)
    return [
        frame_table(
            table,
            caption=f"The latest {plural(len(table), 'load')}, newest first",
            numeric=("Rows read", "Loaded", "Rejected"),
        ),
        download_link(table, "load_history.csv", "Download the load history (CSV)"),
    ]


def kind_options(user: Any) -> list[dict[str, str]]:
    """The extract kinds the upload form offers: a partner only those its agency supplies
    (``scorecard/data/agencies.yaml``; the server refuses the others anyway), other roles
    every kind; "work it out from the file" first."""
    kinds = [{"label": "Work it out from the file", "value": AUTO_KIND}]
    partner = user is not None and user.role == "partner"
    agencies = default_agencies()
    return kinds + [
        {"label": EXTRACTS[k].title, "value": k}
        for k in KIND_ORDER
        if not partner or agencies.may_upload(user.agency, k)
    ]


def layout(**_query: Any) -> html.Div:
    """The upload form (roles that may upload; a partner offered its agency's kinds), the
    load history, and the retract form (roles that may retract). A form a role may not use
    is hidden (its components stay, for the callbacks, which check again on the server)."""
    app = get_context()
    user = signed_in_user()
    may_upload = user is not None and user.can("upload")
    partner = user is not None and user.role == "partner"
    kinds = kind_options(user)
    upload_form = [
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label("Extract kind", html_for=f"{PREFIX}-kind"),
                        dbc.Select(
                            id=f"{PREFIX}-kind",
                            options=kinds,
                            value=AUTO_KIND,
                            className="form-select",
                        ),
                    ],
                    md=4,
                ),
                dbc.Col(
                    [
                        dbc.Label("Local authority, for rows that do not name one", html_for=f"{PREFIX}-la"),
                        dbc.Input(
                            id=f"{PREFIX}-la",
                            type="text",
                            value=app.settings.default_la or "",
                            maxLength=16,
                        ),
                    ],
                    md=4,
                ),
                dbc.Col(
                    [
                        dbc.Label("Partner who sent the files", html_for=f"{PREFIX}-partner"),
                        dbc.Input(
                            id=f"{PREFIX}-partner",
                            type="text",
                            maxLength=200,
                            value=user.agency if partner and user is not None else None,
                            disabled=partner,
                        ),
                    ],
                    md=4,
                ),
            ],
            className="g-2 mb-3",
        ),
        html.Div(
            [
                html.P(html.Strong("Extract files"), className="mb-1", id=f"{PREFIX}-upload-label"),
                dcc.Upload(
                    id=f"{PREFIX}-upload",
                    children=html.Div(
                        [
                            "Drag files here, or ",
                            html.Span(
                                "choose files",
                                className="text-decoration-underline text-primary",
                            ),
                        ]
                    ),
                    multiple=True,
                    max_size=app.settings.upload_max_bytes,
                    className="sc-upload",
                ),
                html.P(
                    f"Files of up to {app.settings.upload_max_mb} MB each.",
                    className="form-text",
                ),
                dcc.Store(id=f"{PREFIX}-token"),
            ],
            className="mb-3",
            **props(data_upload_label=UPLOAD_LABEL),
        ),
        template_form(app, routed(_query)),
        dcc.Loading(html.Div(id=f"{PREFIX}-preview", role="status"), type="dot"),
        html.Div(
            [
                dbc.Button(
                    "Confirm and load",
                    id=f"{PREFIX}-confirm",
                    color="primary",
                    disabled=True,
                    className="me-2",
                ),
                dbc.Button("Cancel", id=f"{PREFIX}-cancel", color="secondary", disabled=True),
            ],
            className="mb-3",
        ),
        dcc.Loading(html.Div(id=f"{PREFIX}-result", role="status"), type="dot"),
    ]
    lede = (
        "Upload the partners' extract files (CSV, Excel, Annex A workbooks, CIN census XML). You will "
        "see what would be loaded and rejected, and why, before anything is written."
        if may_upload
        else "The files loaded so far, newest first. Your role may see the loads but not upload files."
    )
    return html.Div(
        [
            html.H1("Data loads"),
            html.P(lede, className="sc-lede"),
            html.Div(upload_form, id=f"{PREFIX}-upload-form", hidden=not may_upload),
            html.H2("Load history"),
            html.Div(history_view(app), id=f"{PREFIX}-history"),
            retract_form(user is not None and user.can("retract")),
        ]
    )


def template_form(app: AppContext, for_visitor: bool = True) -> html.Section | None:
    """The partner-measures template download, for roles that may upload: a partner gets
    its own agency's measures; other roles choose the owning agency. Dash's start-up
    check of the layouts (``for_visitor`` false) gets the whole form, so that the
    callback's components are known whoever signs in first."""
    user = signed_in_user()
    if for_visitor and (user is None or not user.can("upload")):
        return None
    agency = user.agency if user is not None and user.role == "partner" else None
    if for_visitor and agency is not None and not default_agencies().may_upload(agency, "partner_measures"):
        return None  # a partner whose agency supplies no partners' measures
    choices = owner_choices(app.measures)
    if user is not None and user.role == "partner":  # its own agency only (the server checks again)
        own = user_agency(user.agency) or ""
        choices = [{"label": user.agency or "No agency set", "value": own}]
    chooser = html.Div(
        [
            dbc.Label("Measures owned by", html_for=f"{PREFIX}-template-agency"),
            dbc.Select(
                id=f"{PREFIX}-template-agency",
                options=choices,
                value=choices[0]["value"] if choices else None,
                disabled=user is not None and user.role == "partner",
                className="form-select mb-2",
            ),
        ]
    )
    return html.Section(
        [
            html.H2("Partners' measures: download a template", className="h5"),
            html.P(
                "A file of partners' measures with your agency's own measures and the period each "
                "reports next already filled in: add the figures, then upload it above.",
                className="form-text",
            ),
            chooser,
            dbc.Button("Download a template", id=f"{PREFIX}-template", color="secondary"),
            html.Div(id=f"{PREFIX}-template-message", role="status", className="mt-2"),
            dcc.Download(id=f"{PREFIX}-template-file"),
        ],
        className="sc-template mb-3",
        id=f"{PREFIX}-template-section",
    )


def download_template(_n: int | None, chosen: str | None) -> tuple[Any, Any]:
    """Send the template of the user's agency (a partner) or of the chosen one."""
    app = get_context()
    user = signed_in_user()
    if user is None or not user.can("upload"):
        return dash.no_update, dbc.Alert("Your role may not upload files.", color="danger")
    agency = user_agency(user.agency) if user.role == "partner" else chosen
    if not agency:
        return dash.no_update, dbc.Alert(
            "Your account names no agency the measures file knows: ask an administrator to set it.",
            color="warning",
        )
    made = template_file(app.measures, agency, date.today())
    if made is None:
        words = AGENCY_LABELS.get(agency, agency)
        return dash.no_update, dbc.Alert(
            f"The partnership's measures file declares no measures owned by {words}.", color="warning"
        )
    name, content = made
    audit_request(app.engine, "export", f"{name} (template)")
    return dcc.send_bytes(content, name, type="text/csv"), f"Downloaded {name}."


def retract_form(shown: bool = True) -> html.Section:
    """Retract a load: its records go, the versions it replaced return, results are
    recomputed (hidden from a role that may not retract; the callback checks again)."""
    return html.Section(
        [
            html.H2("Retract a load"),
            html.P(
                "Retracting a load removes its effect: the records it added go, the records it "
                "replaced return to their earlier version, and the indicators are recomputed. A load "
                "that a later load has since replaced cannot be retracted until that later load is.",
                className="form-text",
            ),
            dbc.Label("Load number (from the load history)", html_for=f"{PREFIX}-retract-id"),
            dbc.Input(id=f"{PREFIX}-retract-id", type="number", min=1, step=1, className="mb-2 w-auto"),
            dbc.Button("Retract this load", id=f"{PREFIX}-retract", color="danger", className="mb-2"),
            html.Div(id=f"{PREFIX}-retract-result", role="status"),
        ],
        className="mt-4",
        id=f"{PREFIX}-retract-section",
        hidden=not shown,
    )


def retract_view(app: AppContext, load_id: Any) -> Any:
    """Retract the load and recompute; or say why not. The retraction is recorded on the load
    (who and when); ``audit`` is the hook for the audit trail."""
    from loaders.retract import RetractError, retract_load

    if load_id is None or str(load_id).strip() == "":
        return dbc.Alert("Enter the number of the load to retract.", color="warning")
    user = signed_in_user()
    visible = visible_load_ids(app.engine, user)
    if user is None or not user.can("retract") or (visible is not None and int(load_id) not in visible):
        # Another LA's load is answered as if it did not exist (SECURITY.md: granted LAs).
        return dbc.Alert(f"Not retracted: there is no load {int(load_id)} you may retract.", color="warning")
    try:
        done = retract_load(app.engine, int(load_id), by=current_viewer() or "dashboard user")
    except RetractError as exc:
        return dbc.Alert(f"Not retracted: {exc}", color="warning")
    # After the retraction's own transaction: a second writer inside it would wait on SQLite.
    audit_request(app.engine, "retract", f"load {int(load_id)}: {done}")
    # A retraction is no new load: the incremental plan cannot see it, so all is redone.
    recompute(app.engine, targets_file=app.settings.targets_file, registry=app.registry, full=True)
    after = "The indicators have been recomputed."
    return dbc.Alert(
        [
            html.P(f"{str(done)[0].upper()}{str(done)[1:]}.", className="mb-1"),
            html.P(after, className="mb-0"),
        ],
        color="success",
    )


def retract_clicked(_n: int | None, load_id: Any) -> tuple[Any, Any]:
    app = get_context()
    return retract_view(app, load_id), history_view(app)


def preview_upload(
    contents: list[str] | None,
    _cancel: int | None,
    names: list[str] | None,
    kind: str | None,
    la: str | None,
    partner: str | None,
) -> tuple[Any, bool, bool, Any, str | None]:
    """Validate the uploaded files and show what confirming would do; nothing is written.
    The files wait on the server under the returned token until confirmed or cancelled."""
    app = get_context()
    if ctx.triggered_id == f"{PREFIX}-cancel" or not contents or not names:
        app.previews.discard(session_owner())
        message = (
            html.P("Upload cancelled: nothing was loaded.")
            if ctx.triggered_id == f"{PREFIX}-cancel"
            else None
        )
        return None, True, True, message, None
    files = _files(app, contents, names)
    options = load_options(app, kind, la, partner)
    prepared = prepare_all(app, files, options)
    choices = {"kind": kind, "la": la, "partner": partner}
    token = app.previews.put(session_owner(), files, choices)
    audit_request(app.engine, "upload.preview", ", ".join(n for n, _ in files), options.default_la)
    return preview_view(prepared), not any(loadable(p) for p in prepared), False, None, token


def confirm_upload(_n: int | None, token: str | None) -> tuple[Any, Any, bool, bool, Any, None]:
    """Load the previewed files (validated again) that have rows to load, then recompute.

    Only a token this session's preview returned loads anything."""
    app = get_context()
    pending = app.previews.take(session_owner(), token)
    if pending is None:
        message = dbc.Alert(
            "Upload the files and check the preview first: nothing was loaded.", color="warning"
        )
        return message, dash.no_update, True, True, dash.no_update, None
    choices = pending.choices
    options = load_options(app, choices.get("kind"), choices.get("la"), choices.get("partner"))
    prepared = prepare_all(app, pending.files, options)
    outcomes = commit_all(app, prepared)
    for o in outcomes:
        detail = f"load {o.load_id}: {o.file} ({o.kind}), {o.rows_loaded} rows"
        audit_request(app.engine, "load", detail, options.default_la)
    lines = [
        html.Li(
            f"{o.file}: {o.status}, {plural(o.rows_loaded, 'row')} loaded, "
            f"{format_number(o.rows_rejected)} rejected (load {o.load_id})."
        )
        for o in outcomes
    ]
    if not outcomes:
        return (
            dbc.Alert("No file had rows to load: nothing changed.", color="warning"),
            dash.no_update,
            True,
            True,
            history_view(app),
            None,
        )
    recompute(app.engine, targets_file=app.settings.targets_file, registry=app.registry)
    after = "The indicators have been recomputed."
    result = dbc.Alert(
        [
            html.P(f"Loaded {plural(len(outcomes), 'file')}.", className="mb-1"),
            html.Ul(lines, className="mb-1"),
            html.P(after, className="mb-0"),
        ],
        color="success",
    )
    return result, None, True, True, history_view(app), None


def register(app: dash.Dash) -> None:
    """Add the page and its callbacks to ``app`` (called by ``create_app``)."""
    dash.register_page(
        __name__,
        layout=layout,
        path="/loads",
        name="Data loads",
        title="Data loads – Partnership scorecard",
        order=6,
    )
    app.callback(
        Output(f"{PREFIX}-preview", "children"),
        Output(f"{PREFIX}-confirm", "disabled"),
        Output(f"{PREFIX}-cancel", "disabled"),
        Output(f"{PREFIX}-result", "children"),
        Output(f"{PREFIX}-token", "data"),
        Input(f"{PREFIX}-upload", "contents"),
        Input(f"{PREFIX}-cancel", "n_clicks"),
        State(f"{PREFIX}-upload", "filename"),
        State(f"{PREFIX}-kind", "value"),
        State(f"{PREFIX}-la", "value"),
        State(f"{PREFIX}-partner", "value"),
        prevent_initial_call=True,
    )(preview_upload)
    app.callback(
        Output(f"{PREFIX}-result", "children", allow_duplicate=True),
        Output(f"{PREFIX}-preview", "children", allow_duplicate=True),
        Output(f"{PREFIX}-confirm", "disabled", allow_duplicate=True),
        Output(f"{PREFIX}-cancel", "disabled", allow_duplicate=True),
        Output(f"{PREFIX}-history", "children"),
        Output(f"{PREFIX}-token", "data", allow_duplicate=True),
        Input(f"{PREFIX}-confirm", "n_clicks"),
        State(f"{PREFIX}-token", "data"),
        prevent_initial_call=True,
    )(confirm_upload)
    app.callback(
        Output(f"{PREFIX}-template-file", "data"),
        Output(f"{PREFIX}-template-message", "children"),
        Input(f"{PREFIX}-template", "n_clicks"),
        State(f"{PREFIX}-template-agency", "value"),
        prevent_initial_call=True,
    )(download_template)
    app.callback(
        Output(f"{PREFIX}-retract-result", "children"),
        Output(f"{PREFIX}-history", "children", allow_duplicate=True),
        Input(f"{PREFIX}-retract", "n_clicks"),
        State(f"{PREFIX}-retract-id", "value"),
        prevent_initial_call=True,
    )(retract_clicked)
