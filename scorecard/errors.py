"""One error handler for every callback: a clear message, never a stack trace.

The full traceback goes to the server log under a short reference that the message
quotes, so a user can report it and an administrator can find it. Errors that are
the user's to fix (:class:`UserFacingError`) show their own message.
"""

from __future__ import annotations

import logging
import uuid

from dash import html, set_props

LOG = logging.getLogger("scorecard.dashboard")
ALERT_ID = "app-error"


class UserFacingError(RuntimeError):
    """An error whose message tells the user what to do; shown as it is."""


def error_message(err: Exception, reference: str) -> list[html.P]:
    """The words shown for an error."""
    if isinstance(err, UserFacingError):
        return [html.P(str(err), className="mb-0")]
    return [
        html.P(
            "Something went wrong while updating this view, so it was not changed.",
            className="mb-1",
        ),
        html.P(
            f"Try again, or reload the page. If it happens again, report reference {reference} "
            "to your performance team.",
            className="mb-0",
        ),
    ]


def handle_callback_error(err: Exception) -> None:
    """The app's ``on_error``: log the error, show the message, leave the outputs as they were."""
    reference = uuid.uuid4().hex[:8]
    LOG.error("callback failed [ref %s]", reference, exc_info=err)
    set_props(ALERT_ID, {"children": error_message(err, reference), "is_open": True})
