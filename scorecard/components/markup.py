"""HTML built as escaped strings, shown through one ``dcc.Markdown`` component.

Dash 4's renderer spends about a millisecond per component, and more as a page grows:
a 40-row table of Dash components takes over a second to appear. Large, static pieces
(the scorecard table, data tables) are therefore built here as HTML text, every value
escaped, and rendered by a single Markdown component that allows raw HTML. Links
marked ``data-dash-link`` navigate inside the app (scorecard.js), like ``dcc.Link``.

Markdown passes an HTML block through until a blank line, so text never carries a line
break into the markup, and ``<img>`` is not kept (sparklines are inline SVG).

Example::

    >>> tag("td", text("<b> & 1\\n2"), class_="text-end")
    '<td class="text-end">&lt;b&gt; &amp; 1&#10;2</td>'
    >>> link("Referrals", "/indicator/referrals?la=394&grain=month")
    '<a href="/indicator/referrals?la=394&amp;grain=month" data-dash-link="true">Referrals</a>'
"""

from __future__ import annotations

import html as _html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Dash is imported where a component is made: the PDF pack needs none
    from dash import dcc


def text(value: Any) -> str:
    """Plain text as HTML: escaped, line breaks kept as character references."""
    escaped = _html.escape("" if value is None else str(value), quote=True)
    return escaped.replace("\r\n", "&#10;").replace("\n", "&#10;").replace("\r", "&#10;")


def attrs(**values: Any) -> str:
    """Attributes from keyword arguments: ``class_`` is ``class``, ``aria_label`` is
    ``aria-label``; None and False are left out, True is written as the bare name."""
    parts = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(f" {name}" if value is True else f' {name}="{text(value)}"')
    return "".join(parts)


def tag(name: str, *children: str, **attributes: Any) -> str:
    """An element whose children are already HTML (use :func:`text` for plain text)."""
    return f"<{name}{attrs(**attributes)}>{''.join(children)}</{name}>"


def link(label: str, href: str, **attributes: Any) -> str:
    """A link that stays inside the app (no page reload)."""
    return tag("a", text(label), href=href, data_dash_link="true", **attributes)


def props(**values: Any) -> dict[str, Any]:
    """Attributes that Dash components take only as ``**kwargs`` (``aria_label`` is
    ``aria-label``, ``data_upload_label`` is ``data-upload-label``).

    >>> props(aria_label="Main", aria_hidden="true")
    {'aria-label': 'Main', 'aria-hidden': 'true'}
    """
    return {key.replace("_", "-"): value for key, value in values.items()}


def raw(markup: str, component_id: str | None = None, class_name: str | None = None) -> dcc.Markdown:
    """One Dash component showing the HTML."""
    from dash import dcc

    extra: dict[str, Any] = {"id": component_id} if component_id else {}
    if class_name:
        extra["className"] = class_name
    return dcc.Markdown(f"<div>{markup}</div>", dangerously_allow_html=True, **extra)
