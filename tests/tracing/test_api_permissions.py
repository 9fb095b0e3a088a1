"""The tracing API's permission matrix: every route under /api/tracing/ × every role × the caller in the records'
own commune (xã Bản Giang), its district (huyện Tam Đường), a sibling commune (Bình Lư), another district (Phong
Thổ). The expected status follows ROLE_PERMS and the route's rule — the right first (403), then the record's place
(404 outside the area), then the write's right (403); a refused write leaves the database exactly as it was, an
accepted one changes it (and so does an accepted read of someone's check-ins: it is audited).

The scene (built per test, only the parts a route needs; the clock pinned at 10/11/2021 09:00): the Bản Giang
market, registered by the commune's health officer, with coordinates; an F0 of Bản Giang who was at the market on
06/11 08:00–09:00 with a passer-by (not in the registry: the candidate lives at the venue's unit, Bản Giang) and a
resident of Bình Lư (matched to her registry record: her candidate lives in Bình Lư). So a candidate of that
resident is seen by the F0's unit and by Bình Lư, decided only by the F0's unit (Bình Lư: 403), unknown in Phong
Thổ (404). An ingest batch sent by the Bản Giang officer; a citizen's open visit at the market (the public
check-out).

Per route:
- venues: venue.view to read (lists show only the area's), venue.manage to write, a venue by its unit_path;
  registration names the unit (the right, then the place).
- bulk ingest: checkin.ingest; the batch always answers 200 — a venue outside the sender's area is a per-event
  rejection on `venue`, not a 404. Batches: checkin.ingest, a batch by the sender's area.
- public routes: no account, the code or the visitor token is the key — every caller gets the same answer.
- candidates: exposure.work; seen by the F0's unit and the exposed person's; decided by the F0's unit.
- exposures/query and people/{id}/checkins: the person is fetched first (person.view 403, residence 404), then
  exposure.work / checkin.view (403).
- exposures/batch: exposure.work, over a unit of the caller's area (Bản Giang: 404 from outside).

10 roles × 4 positions × 22 routes = 880 cases.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.cases.enums import DetectionWay
from chihuy.cases.models import Case, Classification, Contact
from chihuy.core.audit import snapshot
from chihuy.core.models import AuditEvent, Job
from chihuy.people.models import Person
from chihuy.places.models import Site
from chihuy.response import exposure
from chihuy.tracing import times
from chihuy.tracing.enums import Channel, VenueCategory
from chihuy.tracing.models import CheckIn, ExposureCandidate, ExposureRun, IngestBatch, Venue, Visitor
from chihuy.tracing.services.ingest import checkins_ingest
from chihuy.tracing.services.venues import venue_register
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG, unit

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}
# Where the Bình Lư resident's candidate is seen: the F0's unit (Bản Giang, Tam Đường) and hers (Bình Lư).
SEES_CANDIDATE = {"own": True, "parent": True, "sibling": True, "other_district": False}
CALLERS = [(role, pos) for role in Role.values for pos in POSITIONS]

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=VN)
F0_PHONE = "0912000100"
PASSER_PHONE = "0987000001"
RESIDENT_PHONE = "0987000003"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _visitor(phone: str, name: str, person: Any = None) -> Visitor:
    return Visitor.objects.create(
        phone=phone, name=name, person=person, token=secrets.token_hex(16), created_at=NOW - dt.timedelta(days=5)
    )


def _checkin(venue: Venue, visitor: Visitor, start: dt.datetime, minutes: int, checked_out: bool = True) -> CheckIn:
    t_in = times.to_minute(start)
    return CheckIn.objects.create(
        venue=venue,
        visitor=visitor,
        unit_path=venue.unit_path,
        t_in=t_in,
        t_out=t_in + minutes,
        checked_out=checked_out,
        channel=Channel.QR,
    )


class Scene:
    def __init__(self, make_user: Callable[..., Any], make_person: Callable[..., Any]):
        self.make_user, self.make_person = make_user, make_person

    @cached_property
    def officer(self) -> Any:
        return self.make_user(Role.HEALTH_OFFICER, BAN_GIANG)

    @cached_property
    def market(self) -> Venue:
        return venue_register(
            actor=self.officer,
            unit=unit(BAN_GIANG),
            name="Chợ Bản Giang",
            category=VenueCategory.MARKET,
            address="Trung tâm xã Bản Giang",
            latitude=22.3519,
            longitude=103.5802,
            owner_name="Ban quản lý chợ",
            owner_phone="0912345001",
        )

    @cached_property
    def f0(self) -> Any:
        return self.make_person(full_name="Lò Văn Pằn", phone=F0_PHONE)

    @cached_property
    def case(self) -> Case:
        """The F0 at the market 08:00–09:00 on 06/11 with a passer-by (25 minutes together) and a Bình Lư resident
        (45 minutes); reported on 08/11, which records both as candidates."""
        resident = self.make_person(full_name="Sùng Thị Lử", unit_path=BINH_LU, phone=RESIDENT_PHONE)
        day = dt.datetime(2021, 11, 6, tzinfo=VN)
        _checkin(self.market, _visitor(F0_PHONE, "Lò Văn Pằn"), day.replace(hour=8), 60)
        _checkin(self.market, _visitor(PASSER_PHONE, "Tòng Văn Khách"), day.replace(hour=8, minute=35), 60)
        _checkin(self.market, _visitor(RESIDENT_PHONE, "Sùng Thị Lử", resident), day.replace(hour=8, minute=15), 45)
        return exposure.case_report(
            actor=self.officer,
            person=self.f0,
            detection_way=DetectionWay.COMMUNITY,
            detected_at=dt.datetime(2021, 11, 8, 15, 0, tzinfo=VN),
            sample_date=dt.date(2021, 11, 8),
        )

    @cached_property
    def resident(self) -> ExposureCandidate:
        self.case  # noqa: B018
        return ExposureCandidate.objects.get(visitor__phone=RESIDENT_PHONE)

    @cached_property
    def passer(self) -> ExposureCandidate:
        self.case  # noqa: B018
        return ExposureCandidate.objects.get(visitor__phone=PASSER_PHONE)

    @cached_property
    def batch(self) -> IngestBatch:
        report = checkins_ingest(actor=self.officer, source="pc-covid", events=[event(self, "b1")])
        return IngestBatch.objects.get(pk=report.batch_id)

    @cached_property
    def visit(self) -> CheckIn:
        """A citizen at the market since 08:30 this morning, not checked out."""
        return _checkin(self.market, _visitor("0987000007", "Lường Thị Nga"), NOW - dt.timedelta(minutes=30), 60, False)

    def caller(self, role: str, position: str) -> Any:
        return self.make_user(role, POSITIONS[position])


def event(scene: Scene, key: str) -> dict[str, Any]:
    return {
        "id": key,
        "venue": scene.market.code,
        "phone": "0913000001",
        "name": "Người quét mã",
        "checked_in_at": "2021-11-09T08:00:00+07:00",
    }


MODELS = (Venue, Site, Visitor, CheckIn, IngestBatch, ExposureRun, ExposureCandidate, Person, Case, Contact)


def state() -> list[Any]:
    """What a call could change (the API token's last use aside)."""
    return [
        *([tuple(snapshot(x).items()) for x in model.objects.order_by("pk")] for model in MODELS),
        list(Classification.objects.order_by("pk").values_list("pk", "person_id", "level", "trace_status")),
        list(Job.objects.order_by("pk").values_list("pk", "kind", "status", "unit_path")),
        list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "object_type", "object_id")),
    ]


# --- rules: (permissions of the role, position of the caller) → expected status ------------------------------------

Rule = Callable[[set[str], str], int]


def always(status: int) -> Rule:
    return lambda perms, pos: status


def listing(perm: str) -> Rule:
    """A list answers 200 to every reader with the right, showing only what they may see."""
    return lambda perms, pos: 200 if perm in perms else 403


def venue_view(perms: set[str], pos: str) -> int:
    """venue.view first (403), then the venue's place (404)."""
    return 403 if Perm.VENUE_VIEW not in perms else 200 if INSIDE[pos] else 404


def venue_manage(perms: set[str], pos: str) -> int:
    """The venue read first (venue.view 403, place 404), then venue.manage (403)."""
    return (
        403 if Perm.VENUE_VIEW not in perms else 404 if not INSIDE[pos] else 200 if Perm.VENUE_MANAGE in perms else 403
    )


def create(perm: str, ok: int) -> Rule:
    """A record made in a unit the body names (Bản Giang): the right (403), then the place (404)."""
    return lambda perms, pos: 403 if perm not in perms else ok if INSIDE[pos] else 404


def scoped(perm: str) -> Rule:
    """A record of the caller's area: the right (403), then the place (404)."""
    return create(perm, 200)


def person_then(perm: str) -> Rule:
    """The person fetched first (person.view 403, residence 404), then the right to read their check-ins (403)."""
    return lambda perms, pos: (
        403 if Perm.PERSON_VIEW not in perms else 404 if not INSIDE[pos] else 200 if perm in perms else 403
    )


def candidate_read(perms: set[str], pos: str) -> int:
    """exposure.work (403), then seen by the F0's unit and the exposed person's (404 elsewhere)."""
    return 403 if Perm.EXPOSURE_WORK not in perms else 200 if SEES_CANDIDATE[pos] else 404


def candidate_decide(perms: set[str], pos: str) -> int:
    """Read as above, then decided by the F0's unit only: the exposed person's unit that sees it gets 403."""
    return candidate_read(perms, pos) if candidate_read(perms, pos) != 200 else 200 if INSIDE[pos] else 403


# --- endpoints -----------------------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    method: str
    route: str  # as in the OpenAPI document
    path: Callable[[Scene], str]
    rule: Rule
    body: Callable[[Scene], Any] | None = None
    check: Callable[[Scene, Any, str], None] | None = None
    given: tuple[str, ...] = ()
    writes: Callable[[str], bool] | bool = False  # whether an accepted call changes the database


def sees_venues(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    assert ([v["code"] for v in body["items"]], body["next_cursor"]) == (
        [scene.market.code] if INSIDE[pos] else [],
        None,
    )


def sees_points(scene: Scene, response: Any, pos: str) -> None:
    expected = [(scene.market.pk, "Chợ Bản Giang", 22.3519, 103.5802)] if INSIDE[pos] else []
    assert [(p["id"], p["name"], p["lat"], p["lng"]) for p in response.json()] == expected


def sees_venue(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    assert (body["id"], body["code"], body["status"], body["owner_phone"]) == (
        scene.market.pk,
        scene.market.code,
        "active",
        "0912345001",
    )


def sees_svg(scene: Scene, response: Any, pos: str) -> None:
    assert response["Content-Type"] == "image/svg+xml" and b"<svg" in response.content


def sees_png(scene: Scene, response: Any, pos: str) -> None:
    assert response["Content-Type"] == "image/png" and response.content.startswith(b"\x89PNG")


def sees_pdf(scene: Scene, response: Any, pos: str) -> None:
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def sees_public_venue(scene: Scene, response: Any, pos: str) -> None:
    assert response.json() == {
        "code": scene.market.code,
        "name": "Chợ Bản Giang",
        "category": "market",
        "commune": "Xã Bản Giang",
        "status": "active",
    }


def ingests_inside_only(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    outcome = [(r["id"], r["status"], r["field"]) for r in body["results"]]
    if INSIDE[pos]:
        assert (body["accepted"], body["rejected"], outcome) == (1, 0, [("e1", "accepted", None)])
    else:
        assert (body["accepted"], body["rejected"], outcome) == (0, 1, [("e1", "rejected", "venue")])
    assert IngestBatch.objects.get(pk=body["batch_id"]).unit_path == POSITIONS[pos]


def sees_batches(scene: Scene, response: Any, pos: str) -> None:
    assert [b["id"] for b in response.json()["items"]] == ([scene.batch.pk] if INSIDE[pos] else [])


def sees_batch(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    assert (body["id"], body["accepted"], body["rejections"]) == (scene.batch.pk, 1, [])


def checks_in(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    assert (body["venue_code"], body["repeated"]) == (scene.market.code, False)
    assert Visitor.objects.get(token=body["visitor_token"]).phone == "0987000009"


def checks_out(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    assert (body["checkin_id"], body["venue"], body["checked_out"]) == (scene.visit.pk, "Chợ Bản Giang", True)
    assert body["checked_out_at"] == "2021-11-10T09:00:00+07:00"  # now (the public answer is in local time)


def sees_hits(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    assert (body["person_id"], body["case_number"], body["recorded"], body["new_candidates"]) == (
        scene.f0.pk,
        scene.case.number,
        True,
        0,  # recorded when the case was reported
    )
    hits = [(h["phone"], h["overlap_minutes"]) for h in body["hits"]]
    assert hits == [(RESIDENT_PHONE, 45), (PASSER_PHONE, 25)]  # the F0's unit sees full numbers


def sees_candidates(scene: Scene, response: Any, pos: str) -> None:
    expected = {
        "own": [scene.resident.pk, scene.passer.pk],
        "parent": [scene.resident.pk, scene.passer.pk],
        "sibling": [scene.resident.pk],  # her own resident only
        "other_district": [],
    }[pos]
    assert [c["id"] for c in response.json()["items"]] == expected


def sees_candidate(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    # Bình Lư sees its resident's full number and the case number, not who the F0 is; only the F0's unit decides.
    assert (body["id"], body["phone"], body["case_number"]) == (scene.resident.pk, RESIDENT_PHONE, scene.case.number)
    assert (body["source_person_id"], body["can_decide"]) == ((scene.f0.pk, True) if INSIDE[pos] else (None, False))


def confirms(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    contact = Contact.objects.get()
    assert (body["candidate"]["status"], body["contact_id"], body["person_id"]) == (
        "confirmed",
        contact.pk,
        scene.resident.person_id,
    )
    assert (contact.source_person_id, contact.contact_person_id) == (scene.f0.pk, scene.resident.person_id)


def dismisses(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    assert (body["id"], body["status"], body["reason"]) == (scene.resident.pk, "dismissed", "Quét nhầm, ở tầng khác")


def queues_a_batch(scene: Scene, response: Any, pos: str) -> None:
    body = response.json()
    job = Job.objects.get(pk=body["job_id"])
    assert (job.kind, job.unit_path, body["progress_url"]) == (
        "tracing.exposures_batch",
        BAN_GIANG,
        f"/api/jobs/{job.pk}",
    )


def sees_visits(scene: Scene, response: Any, pos: str) -> None:
    rows = [(r["venue_name"], r["checked_in_at"]) for r in response.json()]
    assert rows == [("Chợ Bản Giang", "2021-11-06T01:00:00Z")]
    assert AuditEvent.objects.filter(action="checkin.read", object_id=str(scene.f0.pk)).count() == 1


def tr(rest: str) -> str:
    return "/api/tracing" + rest


ENDPOINTS = [
    # --- venues ---
    Endpoint(
        "venues.list",
        "get",
        tr("/venues"),
        lambda s: tr("/venues"),
        listing(Perm.VENUE_VIEW),
        check=sees_venues,
        given=("market",),
    ),
    Endpoint(
        "venues.create",
        "post",
        tr("/venues"),
        lambda s: tr("/venues"),
        create(Perm.VENUE_MANAGE, 201),
        body=lambda s: {"unit_id": unit(BAN_GIANG).pk, "name": "Quán phở Bản Giang", "category": "restaurant"},
        writes=True,
    ),
    Endpoint(
        "venues.map",
        "get",
        tr("/venues/map"),
        lambda s: tr("/venues/map"),
        listing(Perm.VENUE_VIEW),
        check=sees_points,
        given=("market",),
    ),
    Endpoint(
        "venues.get",
        "get",
        tr("/venues/{venue_id}"),
        lambda s: tr(f"/venues/{s.market.pk}"),
        venue_view,
        check=sees_venue,
    ),
    Endpoint(
        "venues.update",
        "patch",
        tr("/venues/{venue_id}"),
        lambda s: tr(f"/venues/{s.market.pk}"),
        venue_manage,
        body=lambda s: {"owner_name": "Lò Văn Chủ"},
        writes=True,
    ),
    Endpoint(
        "venues.status",
        "post",
        tr("/venues/{venue_id}/status"),
        lambda s: tr(f"/venues/{s.market.pk}/status"),
        venue_manage,
        body=lambda s: {"to": "inactive", "reason": "Chợ tạm đóng cửa"},
        writes=True,
    ),
    Endpoint(
        "venues.qr_svg",
        "get",
        tr("/venues/{venue_id}/qr.svg"),
        lambda s: tr(f"/venues/{s.market.pk}/qr.svg"),
        venue_view,
        check=sees_svg,
    ),
    Endpoint(
        "venues.qr_png",
        "get",
        tr("/venues/{venue_id}/qr.png"),
        lambda s: tr(f"/venues/{s.market.pk}/qr.png"),
        venue_view,
        check=sees_png,
    ),
    Endpoint(
        "venues.poster",
        "get",
        tr("/venues/{venue_id}/poster.pdf"),
        lambda s: tr(f"/venues/{s.market.pk}/poster.pdf"),
        venue_view,
        check=sees_pdf,
    ),
    # A scanned code: no account, the same answer to everyone.
    Endpoint(
        "public.venue",
        "get",
        tr("/public/venues/{code}"),
        lambda s: tr(f"/public/venues/{s.market.code}"),
        always(200),
        check=sees_public_venue,
    ),
    # --- check-ins ---
    Endpoint(
        "checkins.bulk",
        "post",
        tr("/checkins/bulk"),
        lambda s: tr("/checkins/bulk?source=pc-covid"),
        listing(Perm.CHECKIN_INGEST),  # a venue outside the sender's area is a rejected event, not a 404
        body=lambda s: {"events": [event(s, "e1")]},
        check=ingests_inside_only,
        writes=True,  # the batch is recorded either way
    ),
    Endpoint(
        "checkins.batches",
        "get",
        tr("/checkins/batches"),
        lambda s: tr("/checkins/batches"),
        listing(Perm.CHECKIN_INGEST),
        check=sees_batches,
        given=("batch",),
    ),
    Endpoint(
        "checkins.batch",
        "get",
        tr("/checkins/batches/{batch_id}"),
        lambda s: tr(f"/checkins/batches/{s.batch.pk}"),
        scoped(Perm.CHECKIN_INGEST),
        check=sees_batch,
    ),
    Endpoint(
        "public.checkin",
        "post",
        tr("/public/checkins"),
        lambda s: tr("/public/checkins"),
        always(201),
        body=lambda s: {"venue": s.market.code, "phone": "0987000009", "name": "Giàng Thị Sua"},
        check=checks_in,
        writes=True,
    ),
    Endpoint(
        "public.checkout",
        "post",
        tr("/public/checkins/{checkin_id}/checkout"),
        lambda s: tr(f"/public/checkins/{s.visit.pk}/checkout"),
        always(200),
        body=lambda s: {"visitor_token": s.visit.visitor.token},
        check=checks_out,
        writes=True,
    ),
    # --- exposures ---
    Endpoint(
        "exposures.query",
        "post",
        tr("/exposures/query"),
        lambda s: tr("/exposures/query"),
        person_then(Perm.EXPOSURE_WORK),
        body=lambda s: {"person_id": s.f0.pk, "date_from": "2021-11-06", "date_to": "2021-11-07"},
        check=sees_hits,
        given=("case",),
        writes=True,  # the run and its audit row
    ),
    Endpoint(
        "candidates.list",
        "get",
        tr("/candidates"),
        lambda s: tr("/candidates"),
        listing(Perm.EXPOSURE_WORK),
        check=sees_candidates,
        given=("case",),
    ),
    Endpoint(
        "candidates.get",
        "get",
        tr("/candidates/{candidate_id}"),
        lambda s: tr(f"/candidates/{s.resident.pk}"),
        candidate_read,
        check=sees_candidate,
    ),
    Endpoint(
        "candidates.confirm",
        "post",
        tr("/candidates/{candidate_id}/confirm"),
        lambda s: tr(f"/candidates/{s.resident.pk}/confirm"),
        candidate_decide,
        body=lambda s: {"distance_m": 1, "masked": False},
        check=confirms,
        writes=True,
    ),
    Endpoint(
        "candidates.dismiss",
        "post",
        tr("/candidates/{candidate_id}/dismiss"),
        lambda s: tr(f"/candidates/{s.resident.pk}/dismiss"),
        candidate_decide,
        body=lambda s: {"reason": "Quét nhầm, ở tầng khác"},
        check=dismisses,
        writes=True,
    ),
    Endpoint(
        "exposures.batch",
        "post",
        tr("/exposures/batch"),
        lambda s: tr("/exposures/batch"),
        create(Perm.EXPOSURE_WORK, 202),
        body=lambda s: {"within_unit_id": unit(BAN_GIANG).pk},
        check=queues_a_batch,
        writes=True,
    ),
    Endpoint(
        "people.checkins",
        "get",
        tr("/people/{person_id}/checkins"),
        lambda s: tr(f"/people/{s.f0.pk}/checkins?date_from=2021-11-05&date_to=2021-11-10"),
        person_then(Perm.CHECKIN_VIEW),
        check=sees_visits,
        given=("case",),
        writes=True,  # every read of someone's check-ins is audited
    ),
]
ENDPOINT_NAMES = [e.name for e in ENDPOINTS]
ERROR_CODES = {403: "permission_denied", 404: "not_found"}


def test_the_matrix_covers_every_tracing_route(db: Any) -> None:
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    operations = {(m, p) for p, item in paths.items() if p.startswith("/api/tracing/") for m in item}
    assert operations == {(e.method, e.route) for e in ENDPOINTS}
    assert len(ENDPOINTS) == len(operations) == len(set(ENDPOINT_NAMES)) == 22


CASES = [pytest.param(e, role, pos, id=f"{e.name}-{role}-{pos}") for e in ENDPOINTS for role, pos in CALLERS]


@pytest.mark.parametrize(("endpoint", "role", "position"), CASES)
def test_permission_matrix(
    endpoint: Endpoint, role: str, position: str, make_user: Any, make_person: Any, api_client: Any
) -> None:
    scene = Scene(make_user, make_person)
    for record in endpoint.given:
        getattr(scene, record)
    path = endpoint.path(scene)
    body = endpoint.body(scene) if endpoint.body else None
    client = api_client(scene.caller(role, position))
    perms = ROLE_PERMS[role]
    expected = endpoint.rule(perms, position)
    before = state()

    response = getattr(client, endpoint.method)(path, body) if body is not None else client.get(path)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["code"] == ERROR_CODES[expected]
        assert state() == before
        return
    if endpoint.check is not None:
        endpoint.check(scene, response, position)
    writes = endpoint.writes(position) if callable(endpoint.writes) else endpoint.writes
    if writes:
        assert state() != before
    else:
        assert state() == before
