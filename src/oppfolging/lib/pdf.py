"""Render HTML to PDF with WeasyPrint, keeping its font setup between documents.

WeasyPrint builds a font configuration (fontconfig's list of fonts and Pango's font map) for each
document unless it is handed one; that was about a third of a plan PDF's time, and the first PDF
of a process paid for the import as well. Each thread keeps one configuration (Pango's font map is
not meant to be shared between threads), and `warm_up` lets a web worker pay the first-document
cost before its first request (operations/gunicorn_conf.py).
"""

from __future__ import annotations

import threading
from typing import Any

_local = threading.local()


def _font_config() -> Any:
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Return the PDF of an HTML document, reusing this thread's font configuration."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf(font_config=_font_config())


def warm_up() -> None:
    """Load WeasyPrint and the fonts once, so the first real PDF is as fast as the rest."""
    render_pdf('<p style="font-family: \'DejaVu Sans\', sans-serif">Æ ø å</p>')
