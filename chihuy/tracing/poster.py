"""A venue's QR code and its A4 poster: "QUÉT MÃ QR KHI VÀO ĐỊA ĐIỂM", the venue's name and address, its code in
large letters (typed by whoever cannot scan), the QR of the public check-in page, short instructions and the
address to open by hand. Rendered from web/tracing/venue_poster.html with WeasyPrint, fonts the system's DejaVu
Sans (no network), like the home isolation door sign."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from chihuy.tracing.models import Venue

TITLE = "QUÉT MÃ QR KHI VÀO ĐỊA ĐIỂM"


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load (Pango missing from the OS)."""


def checkin_path(code: str) -> str:
    """The path of the public check-in page the QR opens (`q/<code>/`, the contract with the check-in screens)."""
    try:
        return reverse("web:checkin", args=[code])
    except NoReverseMatch:
        return f"/q/{code}/"


def _qr(url: str) -> Any:
    import segno

    return segno.make(url, error="m")


def qr_svg(url: str, *, scale: int = 8, inline: bool = False) -> str:
    """The QR as SVG text with its size in pixels (`inline`: without the XML declaration, to sit inside an HTML
    page)."""
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="svg", scale=scale, border=2, xmldecl=not inline, svgns=True)
    return buffer.getvalue().decode()


def qr_png(url: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def poster_context(venue: Venue, checkin_url: str) -> dict[str, Any]:
    return {
        "venue": venue,
        "title": TITLE,
        "checkin_url": checkin_url,
        "qr": str(_qr(checkin_url).png_data_uri(scale=8, border=2)),
    }


def poster_html(venue: Venue, checkin_url: str) -> str:
    return render_to_string("web/tracing/venue_poster.html", poster_context(venue, checkin_url))


def poster_pdf(venue: Venue, checkin_url: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing from the OS
        raise PdfUnavailable(str(exc)) from exc
    return bytes(HTML(string=poster_html(venue, checkin_url)).write_pdf())
