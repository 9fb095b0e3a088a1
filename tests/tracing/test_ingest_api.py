"""POST /api/tracing/checkins/bulk: JSON (`{"events": […]}` or a bare array) or CSV; every bad input of issue 7
rejected per event with its field and reason while the rest is stored; nothing stored twice; only an oversized
or malformed batch refused whole. And the batches it leaves (GET /checkins/batches…), scoped to the sender's area."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.places.models import Unit
from chihuy.tracing.enums import VenueCategory
from chihuy.tracing.models import CheckIn, IngestBatch, Visitor
from chihuy.tracing.services.venues import venue_register
from tests.conftest import BAN_GIANG, MUONG_SO, TAM_DUONG

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 5, 10, 0, tzinfo=VN)
BULK = "/api/tracing/checkins/bulk?source=pc-covid"
CSV_HEADER = "id,venue,phone,name,national_id,checked_in_at,checked_out_at\n"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def sender(api_client: Callable[..., Any], integrator: Any) -> Any:
    return api_client(integrator)


def _event(i: int, place: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"e{i}",
        "venue": place.code,
        "phone": f"09130000{i:02d}",
        "name": f"Người {i}",
        "checked_in_at": "2021-11-05T08:00:00+07:00",
        **extra,
    }


def _post_json(client: Any, body: Any, url: str = BULK) -> Any:
    return client.post(url, orjson.dumps(body), content_type="application/json")


def _outcomes(response: Any) -> list[tuple[str, str, str | None]]:
    return [(r["id"], r["status"], r["field"]) for r in response.json()["results"]]


def test_json_batch_every_bad_input_rejected_per_event_the_rest_stored(sender: Any, market: Any) -> None:
    far = venue_register(
        actor=_muong_so_officer(),
        unit=Unit.objects.get(path=MUONG_SO),
        name="Chợ Mường So",
        category=VenueCategory.MARKET,
        address="Mường So",
    )
    events = [
        _event(1, market),
        _event(2, market, checked_out_at="2021-11-05T08:40:00+07:00"),
        _event(3, market, venue="KHONGCO1"),  # unknown venue
        _event(4, market, venue=far.code),  # a venue outside the sender's area counts as unknown
        _event(5, market, checked_out_at="2021-11-05T07:59:00+07:00"),  # check-out before check-in
        _event(6, market, checked_in_at="2021-11-05T10:30:00+07:00"),  # in the future
        _event(7, market, checked_in_at="2021-10-01T08:00:00+07:00"),  # beyond the 28-day retention
        _event(8, market, phone="0912-34"),  # malformed phone
        _event(9, market, checked_in_at="hôm qua"),  # not ISO 8601
        _event(1, market, phone="0913000099"),  # the same id with other content, in the same batch
        _event(2, market, checked_out_at="2021-11-05T08:40:00+07:00"),  # the same event twice: duplicate
        {"venue": market.code, "phone": "0913000010"},  # no id
        "not an object",
    ]
    response = _post_json(sender, {"events": events})
    assert response.status_code == 200, response.content
    body = response.json()
    assert _outcomes(response) == [
        ("e1", "accepted", None),
        ("e2", "accepted", None),
        ("e3", "rejected", "venue"),
        ("e4", "rejected", "venue"),
        ("e5", "rejected", "checked_out_at"),
        ("e6", "rejected", "checked_in_at"),
        ("e7", "rejected", "checked_in_at"),
        ("e8", "rejected", "phone"),
        ("e9", "rejected", "checked_in_at"),
        ("e1", "rejected", "id"),
        ("e2", "duplicate", None),
        (None, "rejected", "id"),
        (None, "rejected", "event"),
    ]
    assert all(r["reason"] for r in body["results"] if r["status"] == "rejected")
    assert "28" in body["results"][6]["reason"]
    assert (body["received"], body["accepted"], body["duplicate"], body["rejected"]) == (13, 2, 1, 10)
    assert sorted(CheckIn.objects.values_list("event_key", flat=True)) == ["pc-covid:e1", "pc-covid:e2"]
    batch = IngestBatch.objects.get(pk=body["batch_id"])
    assert (batch.source, batch.unit_path, batch.accepted, batch.rejected) == ("pc-covid", TAM_DUONG, 2, 10)
    assert [r["field"] for r in batch.rejections][:2] == ["venue", "venue"]


def _muong_so_officer() -> Any:
    from chihuy.accounts.services import user_create
    from tests.conftest import PASSWORD, unit

    return user_create(
        actor=None,
        username="muongso_officer",
        password=PASSWORD,
        unit=unit(MUONG_SO),
        roles=[Role.HEALTH_OFFICER],
        full_name="Cán bộ Mường So",
    )


def test_resent_batch_is_all_duplicates_and_nothing_is_stored_twice(sender: Any, market: Any, shop: Any) -> None:
    events = [_event(i, market if i % 2 else shop) for i in range(1, 6)]
    first = _post_json(sender, events)  # a bare array
    assert first.status_code == 200 and first.json()["accepted"] == 5
    rows, visitors = CheckIn.objects.count(), Visitor.objects.count()
    assert (rows, visitors) == (5, 5)

    again = _post_json(sender, {"events": events})
    assert again.status_code == 200
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 5
    assert (again.json()["accepted"], again.json()["duplicate"]) == (0, 5)
    assert (CheckIn.objects.count(), Visitor.objects.count()) == (5, 5)

    # The same id with other content, sent later: refused; the stored event unchanged.
    changed = _post_json(sender, [_event(1, market, checked_in_at="2021-11-05T08:05:00+07:00")])
    assert _outcomes(changed) == [("e1", "rejected", "id")]
    assert CheckIn.objects.get(event_key="pc-covid:e1").checked_in_at == dt.datetime(2021, 11, 5, 1, 0, tzinfo=dt.UTC)
    assert CheckIn.objects.count() == 5


def test_csv_batch(sender: Any, market: Any) -> None:
    body = (
        "\ufeff"
        + CSV_HEADER
        + f"c1,{market.code},0913000001,Lò Thị Mai,,2021-11-05T08:00:00+07:00,2021-11-05T08:30:00+07:00\n"
        + f"c2,{market.code},+84 913 000 002,Tẩn A Sử,,2021-11-05 08:15,\n"
        + "\n"
        + f"c3,{market.code},0913000003,Giàng Thị Dợ,,2021-11-05 07:00,2021-11-05 06:00\n"
        + "c4,KHONGCO1,0913000004,,,2021-11-05 07:00,\n"
    )
    response = sender.post(BULK, body.encode(), content_type="text/csv")
    assert response.status_code == 200, response.content
    assert _outcomes(response) == [
        ("c1", "accepted", None),
        ("c2", "accepted", None),
        ("c3", "rejected", "checked_out_at"),
        ("c4", "rejected", "venue"),
    ]
    stored = {c.visitor.phone: (c.t_out - c.t_in, c.checked_out) for c in CheckIn.objects.select_related("visitor")}
    assert stored == {"0913000001": (30, True), "0913000002": (60, False)}
    assert Visitor.objects.get(phone="0913000002").name == "Tẩn A Sử"


def test_csv_with_semicolons_and_a_missing_column(sender: Any, market: Any) -> None:
    ok = sender.post(
        BULK, f"id;venue;phone;checked_in_at\ns1;{market.code};0913000001;2021-11-05 08:00\n", content_type="text/csv"
    )
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    bad = sender.post(BULK, "id,phone,checked_in_at\nx,0913000001,2021-11-05 08:00\n", content_type="text/csv")
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "body"
    assert "venue" in bad.json()["message"]


def test_malformed_json_and_wrong_shapes_are_refused_whole(sender: Any, market: Any) -> None:
    cases = [
        (b'{"events": [', "body"),
        (b"", "body"),
        (b'"events"', "body"),
        (b'{"items": []}', "events"),
        (b"[]", "events"),
    ]
    for raw, fld in cases:
        response = sender.post(BULK, raw, content_type="application/json")
        assert response.status_code == 422, raw
        assert response.json()["details"][0]["field"] == fld, raw
    assert IngestBatch.objects.count() == 0
    assert CheckIn.objects.count() == 0


def test_oversized_batches_are_refused_whole(sender: Any, market: Any) -> None:
    many = [_event(1, market, id=f"m{i}") for i in range(10_001)]  # the policy's max_batch is 10,000
    response = _post_json(sender, many)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "events"
    assert "10000" in response.json()["message"]

    huge = b"[" + b" " * (8 * 1024 * 1024) + b"]"
    response = sender.post(BULK, huge, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "upload_too_large"
    assert (IngestBatch.objects.count(), CheckIn.objects.count()) == (0, 0)


def test_source_is_checked(sender: Any, market: Any) -> None:
    response = _post_json(sender, [_event(1, market)], url="/api/tracing/checkins/bulk?source=PC%20Covid")
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "source"
    missing = _post_json(sender, [_event(1, market)], url="/api/tracing/checkins/bulk")
    assert missing.status_code == 422
    assert CheckIn.objects.count() == 0


def test_without_checkin_ingest_refused(
    api_client: Callable[..., Any], make_user: Callable[..., Any], market: Any
) -> None:
    for role in (Role.DUTY_OFFICER, Role.TRACER, Role.COMMANDER):
        client = api_client(make_user(role, TAM_DUONG))
        assert _post_json(client, [_event(1, market)]).status_code == 403
        assert client.post(BULK, b"{not json", content_type="application/json").status_code == 403
        assert client.get("/api/tracing/checkins/batches").status_code == 403
    from django.test import Client

    assert Client().post(BULK, b"[]", content_type="application/json").status_code == 401
    assert CheckIn.objects.count() == 0


def test_batches_list_and_detail_are_scoped(
    sender: Any, market: Any, api_client: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    first = _post_json(sender, [_event(1, market), _event(2, market, phone="12")]).json()
    second = _post_json(sender, [_event(3, market)]).json()

    listed = sender.get("/api/tracing/checkins/batches")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [b["id"] for b in items] == [second["batch_id"], first["batch_id"]]
    assert (items[1]["received"], items[1]["accepted"], items[1]["rejected"]) == (2, 1, 1)

    detail = sender.get(f"/api/tracing/checkins/batches/{first['batch_id']}")
    assert detail.status_code == 200
    assert detail.json()["rejections"] == [
        {"index": 1, "id": "e2", "field": "phone", "reason": detail.json()["rejections"][0]["reason"]}
    ]

    # A commune officer below the sender's district neither lists nor reads the district's batches.
    commune = api_client(make_user(Role.HEALTH_OFFICER, BAN_GIANG))
    assert commune.get("/api/tracing/checkins/batches").json()["items"] == []
    assert commune.get(f"/api/tracing/checkins/batches/{first['batch_id']}").status_code == 404
    # The province sees them.
    province = api_client(make_user(Role.HEALTH_OFFICER, "12/"))
    assert province.get(f"/api/tracing/checkins/batches/{first['batch_id']}").status_code == 200
