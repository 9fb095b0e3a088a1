"""The daily-report API end to end: save with a bad figure (422 naming the field), submit, submit twice (409),
the district's consolidation and approval, the PDF bulletin."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from tests.conftest import BAN_GIANG, TAM_DUONG, unit
from tests.reports.test_daily import AFTER_CUT, D11, scene  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_the_api_flow(scene: dict[str, Any], api_client: Any) -> None:  # noqa: F811
    commune, district = api_client(scene["commune"]), api_client(scene["district"])
    bg, td = unit(BAN_GIANG).pk, unit(TAM_DUONG).pk
    with time_machine.travel(AFTER_CUT, tick=False):
        bad = commune.put(f"/api/reports/daily/{bg}/{D11}", {"manual": {"oxygen_litres": -5}})
        assert bad.status_code == 422
        assert bad.json()["details"] == [
            {"field": "oxygen_litres", "message": "Oxy lỏng (lít): nhập số nguyên không âm."}
        ]
        fresh = commune.get(f"/api/reports/daily/{bg}/{D11}").json()
        assert (fresh["id"], fresh["status"], fresh["computed"]["f0_new"]) == (None, "new", 2)
        submitted = commune.post(f"/api/reports/daily/{bg}/{D11}/submit", {"manual": {"f0_new": 1}}).json()
        assert submitted["status"] == "submitted" and submitted["late"] is False
        assert submitted["reconciliation"] == [
            {"key": "f0_new", "label": "F0 mới trong ngày", "computed": 2, "manual": 1, "difference": -1}
        ]
        twice = commune.post(f"/api/reports/daily/{bg}/{D11}/submit", {})
        assert (twice.status_code, twice.json()["code"]) == (409, "invalid_transition")
        consolidated = district.get(f"/api/reports/daily/{td}/{D11}/consolidated").json()
        assert consolidated["computed"]["f0_new"] == 3 and consolidated["manual"] == {"f0_new": 1}
        assert [u["state"] for u in consolidated["units"] if u["unit_id"] == bg] == ["submitted"]
        approved = district.post(f"/api/reports/daily/reports/{submitted['id']}/approve", {})
        assert approved.json()["status"] == "approved"
        pdf = district.get(f"/api/reports/daily/{td}/{D11}/export?format=pdf&kind=consolidated")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
