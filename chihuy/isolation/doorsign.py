"""The door sign of a home isolation household (Công văn 5599/BYT-MT): an A4 page, red background, yellow
letters "KHU VỰC CÁCH LY Y TẾ PHÒNG, CHỐNG DỊCH COVID-19", the address, the dates, the commune's contacts, and a
QR code to the daily health check page (no account needed). Rendered from the HTML template
web/isolation/homes/doorsign.html with WeasyPrint; fonts are the system's DejaVu Sans (no network)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max
from django.template.loader import render_to_string

from chihuy.isolation.enums import HOLDING_STATUSES
from chihuy.isolation.models import HomeIsolation, Stay
from chihuy.isolation.services.homes import commune_phone

TITLE = "KHU VỰC CÁCH LY Y TẾ PHÒNG, CHỐNG DỊCH COVID-19"


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load (Pango missing from the OS)."""


def last_day(home: HomeIsolation) -> dt.date | None:
    """The last day of isolation the sign shows ("đến hết ngày"): the day before the latest member's release day
    (the household's holding stays), else the household's end."""
    release = Stay.objects.filter(home=home, status__in=HOLDING_STATUSES).aggregate(m=Max("release_on"))["m"]
    return release - dt.timedelta(days=1) if release else home.ended_on


def qr_data_uri(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").png_data_uri(scale=8, border=2))


def doorsign_context(home: HomeIsolation, checkin_url: str) -> dict[str, Any]:
    return {
        "home": home,
        "title": TITLE,
        "until": last_day(home),
        "phone": commune_phone(home),
        "officer": home.officer,
        "checkin_url": checkin_url,
        "qr": qr_data_uri(checkin_url),
    }


def doorsign_html(home: HomeIsolation, checkin_url: str) -> str:
    return render_to_string("web/isolation/homes/doorsign.html", doorsign_context(home, checkin_url))


def doorsign_pdf(home: HomeIsolation, checkin_url: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing from the OS
        raise PdfUnavailable(str(exc)) from exc
    return bytes(HTML(string=doorsign_html(home, checkin_url)).write_pdf())
