"""HTML to PDF with WeasyPrint: tagged (PDF/UA-1), the shipped font embedded, no network.

The renderer may read only the files shipped beside this module (the fonts); any other
URL (http, https, a file elsewhere) is refused, so rendering never touches the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PACK_DIR = Path(__file__).resolve().parent


class PackUnavailableError(RuntimeError):
    """The PDF renderer (WeasyPrint and its system libraries) is not installed."""


def stylesheet() -> str:
    return (PACK_DIR / "pack.css").read_text("utf-8")


def _fetcher() -> Any:
    """A WeasyPrint URL fetcher for files beside this module only."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    class PackFiles(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve()
            if parts.scheme != "file" or not path.is_relative_to(PACK_DIR):
                raise ValueError(f"the pack renders without the network: refused to fetch {url}")
            return super().fetch(url, headers)

    return PackFiles(allowed_protocols=("file",))


def render_pdf(html: str) -> bytes:
    """The PDF of the HTML (raises PackUnavailableError saying what to install)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango or its friends missing
        raise PackUnavailableError(
            "The board pack needs WeasyPrint and the Pango library: run `make install` "
            "(pip) and scripts/ensure-system-deps.sh (apt: libpango-1.0-0 libpangoft2-1.0-0). "
            f"The error was: {exc}"
        ) from exc
    document = HTML(string=html, base_url=PACK_DIR.as_uri() + "/", url_fetcher=_fetcher())
    pdf = document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    assert pdf is not None
    return bytes(pdf)
