"""`manage.py labs_sweep`: the cron entry of the overdue alert, idempotent."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from chihuy.labs import services
from chihuy.notify.models import Message

pytestmark = pytest.mark.django_db


def _sweep() -> dict[str, int]:
    out = io.StringIO()
    call_command("labs_sweep", stdout=out)
    return json.loads(out.getvalue())


def test_the_sweep_alerts_an_overdue_tube_once(officer, technician, lab, residents, ship_and_receive, pinned_clock):
    services.sample_take(actor=officer, code="SW-001", person_ids=[residents[0].pk])
    ship_and_receive(["SW-001"])
    assert _sweep() == {"overdue_samples_alerted": 0}

    pinned_clock.shift(dt.timedelta(hours=12, minutes=1))
    assert _sweep() == {"overdue_samples_alerted": 1}
    assert _sweep() == {"overdue_samples_alerted": 0}
    assert Message.objects.filter(template="labs.overdue").count() == 2  # the lab and the commune
