"""Data loads: upload extract files, see per file what would be loaded and rejected (and
why) before confirming; confirm loads them and recomputes; the load history.

Nothing is written until "Confirm" is pressed, and then only files that have rows to
load: a file rejected whole, or identical to one already loaded, changes nothing. The
uploaded bytes stay in the browser between preview and confirm, and are validated
again on confirm, so the server keeps no state between the two.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html

from metrics import results
from metrics.recompute import recompute
from scorecard.audit import current_viewer
from scorecard.components.load_tables import loads_table
from scorecard.components.markup import props
from scorecard.components.tables import download_link, frame_table
from scorecard.context import AppContext, get_context
from scorecard.errors import UserFacingError
from scorecard.formatting import format_number, plural
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
    return LoadOptions(
        key=key,
        kind=None if kind in (None, "", AUTO_KIND) else kind,
        default_la=(la or "").strip() or app.settings.default_la,
        partner=(partner or "").strip() or None,
        loaded_by=current_viewer() or "dashboard upload",
        limits=app.settings.read_limits(),
        measures=app.measures,
    )


def prepare_all(app: AppContext, contents: list[str], names: list[str], options: Any) -> list[Any]:
    """Read and validate every file without writing anything."""
    from loaders.pipeline import prepare_bytes

    return [
        prepare_bytes(app.engine, name, _decode(c, name), options)
        for c, name in zip(contents, names, strict=True)
    ]


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
        facts.append(html.P(out.message, className="mb-1"))
    for warning in out.warnings:
        facts.append(html.P(f"Warning: {warning}", className="mb-1 sc-note"))
    if out.next_step:
        facts.append(html.P(f"Next: {out.next_step}", className="mb-1"))
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
                "Column": shown["column_name"].fillna(""),
                "Value": shown["value"].fillna(""),
                "Reason": shown["reason"].fillna(""),
            }
        )
        caption = "Rejected rows" + (
            f" (the first {REJECTS_PREVIEW} of {len(rejects):,})" if len(rejects) > REJECTS_PREVIEW else ""
        )
        everything = rejects.fillna("")
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
    loads = results.load_history(app.engine, limit=HISTORY_SHOWN)
    if loads.empty:
        return html.P("No files have been loaded yet.")
    table = loads_table(loads)
    return [
        frame_table(
            table,
            caption=f"The latest {len(table)} loads, newest first",
            numeric=("Rows read", "Loaded", "Rejected"),
        ),
        download_link(table, "load_history.csv", "Download the load history (CSV)"),
    ]


def layout(**_query: Any) -> html.Div:
    app = get_context()
    kinds = [{"label": "Work it out from the file", "value": AUTO_KIND}]
    kinds += [{"label": EXTRACTS[k].title, "value": k} for k in KIND_ORDER]
    return html.Div(
        [
            html.H1("Data loads"),
            html.P(
                "Upload the partners' extract files (CSV, Excel, Annex A workbooks, CIN census "
                "XML). You will see "
                "what would be loaded and rejected, and why, before anything is written.",
                className="sc-lede",
            ),
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
                            dbc.Label("LA for rows without an la_code", html_for=f"{PREFIX}-la"),
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
                            dbc.Input(id=f"{PREFIX}-partner", type="text", maxLength=200),
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
                        className="sc-upload",
                    ),
                ],
                className="mb-3",
                **props(data_upload_label=UPLOAD_LABEL),
            ),
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
            html.H2("Load history"),
            html.Div(history_view(app), id=f"{PREFIX}-history"),
        ]
    )


def preview_upload(
    contents: list[str] | None,
    _cancel: int | None,
    names: list[str] | None,
    kind: str | None,
    la: str | None,
    partner: str | None,
) -> tuple[Any, bool, bool, Any]:
    """Validate the uploaded files and show what confirming would do; nothing is written."""
    if ctx.triggered_id == f"{PREFIX}-cancel" or not contents or not names:
        message = (
            html.P("Upload cancelled: nothing was loaded.")
            if ctx.triggered_id == f"{PREFIX}-cancel"
            else None
        )
        return None, True, True, message
    app = get_context()
    prepared = prepare_all(app, contents, names, load_options(app, kind, la, partner))
    return preview_view(prepared), not any(loadable(p) for p in prepared), False, None


def confirm_upload(
    _n: int | None,
    contents: list[str] | None,
    names: list[str] | None,
    kind: str | None,
    la: str | None,
    partner: str | None,
) -> tuple[Any, Any, bool, bool, Any]:
    """Validate again, load the files that have rows to load, then recompute the indicators."""
    if not contents or not names:
        return html.P("Upload the files first."), dash.no_update, True, True, dash.no_update
    app = get_context()
    prepared = prepare_all(app, contents, names, load_options(app, kind, la, partner))
    outcomes = commit_all(app, prepared)
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
        )
    recompute(app.engine, targets_file=app.settings.targets_file)
    after = "The indicators have been recomputed."
    result = dbc.Alert(
        [
            html.P(f"Loaded {plural(len(outcomes), 'file')}.", className="mb-1"),
            html.Ul(lines, className="mb-1"),
            html.P(after, className="mb-0"),
        ],
        color="success",
    )
    return result, None, True, True, history_view(app)


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
        Input(f"{PREFIX}-confirm", "n_clicks"),
        State(f"{PREFIX}-upload", "contents"),
        State(f"{PREFIX}-upload", "filename"),
        State(f"{PREFIX}-kind", "value"),
        State(f"{PREFIX}-la", "value"),
        State(f"{PREFIX}-partner", "value"),
        prevent_initial_call=True,
    )(confirm_upload)
