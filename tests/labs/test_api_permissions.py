"""The labs API's permission matrix: every endpoint × every role × the caller in the records' own unit (xã Bản
Giang), its parent (huyện Tam Đường), a sibling commune, another district — and a lab technician of the lab the
tubes were sent to, working in another district. The expected status follows ROLE_PERMS and the endpoint's rule;
a refused write leaves the database exactly as it was.

The scene: Tam Đường's lab; a Bản Giang village campaign (pooled, to that lab) planned by the commune's health
officer; a tube collected, a tube on the road, a tube received at the lab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.cases.models import Case
from chihuy.core.audit import snapshot
from chihuy.core.models import Job
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind
from chihuy.labs.models import Campaign, CampaignTarget, Lab, Sample, SampleMember, Shipment
from chihuy.places.enums import SiteKind
from chihuy.places.models import Site
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG, unit
from tests.labs.conftest import NOW

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO, "lab": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False, "lab": False}
# Every role in the four places of the area; the lab's own technician (a member of the lab) besides.
CALLERS = [(role, pos) for role in Role.values for pos in ("own", "parent", "sibling", "other_district")]
CALLERS.append((Role.LAB_TECHNICIAN, "lab"))


class Scene:
    def __init__(self, admin: Any, make_user: Callable[..., Any], make_person: Callable[..., Any]):
        self.admin, self.make_user, self.make_person = admin, make_user, make_person

    @cached_property
    def officer(self) -> Any:
        return self.make_user(Role.HEALTH_OFFICER, BAN_GIANG)

    @cached_property
    def village(self) -> Any:
        from chihuy.places.models import Unit
        from tests.labs.fixtures import _make_village

        return Unit.objects.filter(parent__path=BAN_GIANG, level="village").order_by("path").first() or _make_village()

    @cached_property
    def people(self) -> list[Any]:
        return [
            self.make_person(full_name=name, unit=self.village, birth_year=1990 + i, phone=f"09140000{i:02d}")
            for i, name in enumerate(["Lò Văn An", "Tao Thị Bình", "Lò Văn Cường", "Vàng Thị Dung", "Lò Văn Em"])
        ]

    @cached_property
    def lab(self) -> Lab:
        site = Site.objects.create(
            kind=SiteKind.LAB, name="Phòng xét nghiệm TTYT Tam Đường", unit=unit(TAM_DUONG), unit_path=TAM_DUONG
        )
        return services.lab_upsert(actor=self.admin, site=site, daily_capacity=500)

    @cached_property
    def campaign(self) -> Campaign:
        self.people  # noqa: B018  (the village's residents are its targets)
        return services.campaign_create(
            actor=self.officer,
            name="Sàng lọc bản",
            kind=CampaignKind.VILLAGE,
            unit=self.village,
            planned_on=NOW.date(),
            pool_size=5,
            lab=self.lab,
        )

    def _tube(self, code: str, person: Any) -> Sample:
        return services.sample_take(actor=self.officer, code=code, person_ids=[person.pk], campaign=self.campaign)

    @cached_property
    def collected(self) -> Sample:
        return self._tube("BG-C1", self.people[0])

    @cached_property
    def in_transit(self) -> Shipment:
        self._tube("BG-T1", self.people[1])
        return services.shipment_create(actor=self.officer, lab=self.lab, sample_codes=["BG-T1"])

    @cached_property
    def in_lab(self) -> Sample:
        sample = self._tube("BG-L1", self.people[2])
        shipment = services.shipment_create(actor=self.officer, lab=self.lab, sample_codes=["BG-L1"])
        services.shipment_receive(actor=self.admin, shipment=shipment, scanned_codes=["BG-L1"])
        return sample

    @cached_property
    def target(self) -> CampaignTarget:
        return self.campaign.targets.get(person=self.people[3])

    @cached_property
    def everything(self) -> None:
        self.collected, self.in_transit, self.in_lab  # noqa: B018

    def caller(self, role: str, position: str) -> Any:
        user = self.make_user(role, POSITIONS[position])
        if position == "lab":
            services.lab_upsert(actor=self.admin, site=self.lab.site, daily_capacity=500, member_ids=[user.pk])
        return user


def state() -> list[Any]:
    return [
        [tuple(snapshot(x).items()) for x in model.objects.order_by("pk")]
        for model in (Campaign, CampaignTarget, Sample, SampleMember, Shipment, Job, Case)
    ]


# --- rules -----------------------------------------------------------------------------------------

Rule = Callable[[set[str], str], int]


def lab_only(perms: set[str]) -> bool:
    """A lab technician: lab work without sampling — sees what was sent to their lab, not their unit's area."""
    return Perm.LAB_WORK in perms and Perm.SAMPLE_TAKE not in perms


def sees_sent(perms: set[str], pos: str) -> bool:
    """A tube, shipment or campaign going to the lab: the area's readers, and the lab's own technician."""
    return pos == "lab" if lab_only(perms) else INSIDE[pos]


def sees_area(perms: set[str], pos: str) -> bool:
    """A record of the area only (a tube not yet shipped, a person on a list): never a lab technician's."""
    return False if lab_only(perms) else INSIDE[pos]


def works_in_lab(perms: set[str], pos: str) -> bool:
    """Lab work: the lab's technicians, or a lab manager whose area holds the lab (Tam Đường)."""
    return pos == "lab" or (Perm.LAB_MANAGE in perms and pos == "parent")


def listing(perms: set[str], pos: str) -> int:
    """A list answers 200 to every reader with sample.view, showing only what they may see."""
    return 200 if Perm.SAMPLE_VIEW in perms else 403


def always(status: int) -> Rule:
    return lambda perms, pos: status


def view(sees: Callable[[set[str], str], bool] = sees_sent) -> Rule:
    """sample.view first (403), then the record's place (404)."""
    return lambda perms, pos: 403 if Perm.SAMPLE_VIEW not in perms else (200 if sees(perms, pos) else 404)


def view_then(perm: str, ok: int, sees: Callable[[set[str], str], bool] = sees_sent) -> Rule:
    """The record read first (sample.view 403, place 404), then the write's permission (403)."""
    return lambda perms, pos: (
        403 if Perm.SAMPLE_VIEW not in perms else 404 if not sees(perms, pos) else ok if perm in perms else 403
    )


def lab_work(ok: int) -> Rule:
    """Read the tube or shipment (403/404), then lab.work (403), then being of the lab (404)."""
    return lambda perms, pos: (
        403
        if Perm.SAMPLE_VIEW not in perms
        else 404
        if not sees_sent(perms, pos)
        else 403
        if Perm.LAB_WORK not in perms
        else ok
        if works_in_lab(perms, pos)
        else 404
    )


def upload(perms: set[str], pos: str) -> int:
    """The lab named by id (any reader), then lab.work (403), then being of the lab (404)."""
    if Perm.SAMPLE_VIEW not in perms or Perm.LAB_WORK not in perms:
        return 403
    return 202 if works_in_lab(perms, pos) else 404


def take(perms: set[str], pos: str) -> int:
    """The campaign named (403/404), then sample.take (403)."""
    return view_then(Perm.SAMPLE_TAKE, 201)(perms, pos)


def rapid(perms: set[str], pos: str) -> int:
    """The person named: person.view (403) and the area (404); then sample.take (403)."""
    if Perm.PERSON_VIEW not in perms:
        return 403
    if not INSIDE[pos]:
        return 404
    return 201 if Perm.SAMPLE_TAKE in perms else 403


def plan(perms: set[str], pos: str) -> int:
    """campaign.manage (403), then the unit's place (404)."""
    if Perm.SAMPLE_VIEW not in perms or Perm.CAMPAIGN_MANAGE not in perms:
        return 403
    return 201 if INSIDE[pos] else 404


def ship(perms: set[str], pos: str) -> int:
    """sample.take (403); a code outside the caller's area is reported like an unknown code: 422 on that code."""
    if Perm.SAMPLE_VIEW not in perms or Perm.SAMPLE_TAKE not in perms:
        return 403
    return 201 if INSIDE[pos] else 422


# --- endpoints -------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    method: str
    route: str  # as in the OpenAPI document
    path: Callable[[Scene], str]
    rule: Rule
    body: Callable[[Scene], Any] | None = None
    check: Callable[[Scene, Any, set[str], str], None] | None = None
    given: tuple[str, ...] = ()


def sees_labs(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert [lab["id"] for lab in response.json()] == [scene.lab.pk]


def sees_my_lab(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert [lab["id"] for lab in response.json()] == ([scene.lab.pk] if pos == "lab" else [])


def sees_campaign(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    expected = [scene.campaign.pk] if sees_sent(perms, pos) else []
    assert [c["id"] for c in response.json()["items"]] == expected


def sees_tubes(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    if lab_only(perms):
        expected = {"BG-T1", "BG-L1"} if pos == "lab" else set()
    else:
        expected = {"BG-C1", "BG-T1", "BG-L1"} if INSIDE[pos] else set()
    assert {s["code"] for s in response.json()["items"]} == expected


def sees_shipments(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    both = set(Shipment.objects.values_list("pk", flat=True))
    assert len(both) == 2  # the box on the road and the box received
    expected = both if sees_sent(perms, pos) else set()
    assert {s["id"] for s in response.json()["items"]} == expected


def sees_overdue(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert response.json() == {"items": [], "next_cursor": None}  # nothing is 12 hours old yet


def sees_backlog(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    # The lab's technician: the two tubes sent to the lab; the area's readers: the three tubes of the area.
    backlog = (2 if pos == "lab" else 0) if lab_only(perms) else (3 if INSIDE[pos] else 0)
    assert (response.json()["backlog"], response.json()["target_hours"]) == (backlog, 12)


def sees_history(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    assert [t["code"] for t in response.json()] == ["BG-L1"]


def sees_contacts_if_area(scene: Scene, response: Any, perms: set[str], pos: str) -> None:
    """A lab technician sees name and birth year; the area's officers also the phone."""
    (member,) = response.json()["members"]
    assert member["person"] == {"id": scene.people[2].pk, "full_name": "Lò Văn Cường", "birth_year": 1992}
    if lab_only(perms):
        assert member["contact"] is None and b"0914000002" not in response.content
    elif Perm.SAMPLE_TAKE in perms or Perm.CASE_VIEW in perms:
        assert member["contact"]["phone"] == "0914000002"
    else:
        assert member["contact"] is None


def upload_file(scene: Scene) -> dict[str, Any]:
    return {
        "lab_id": str(scene.lab.pk),
        "file": SimpleUploadedFile("ket_qua.csv", "ma_mau,ket_qua\nBG-L1,âm tính\n".encode()),
    }


ENDPOINTS = [
    Endpoint("labs.list", "get", "/api/labs/", lambda s: "/api/labs/", listing, check=sees_labs, given=("lab",)),
    Endpoint("labs.mine", "get", "/api/labs/mine", lambda s: "/api/labs/mine", always(200), check=sees_my_lab),
    Endpoint(
        "campaigns.list",
        "get",
        "/api/labs/campaigns",
        lambda s: "/api/labs/campaigns",
        listing,
        check=sees_campaign,
        given=("campaign",),
    ),
    Endpoint(
        "campaigns.create",
        "post",
        "/api/labs/campaigns",
        lambda s: "/api/labs/campaigns",
        plan,
        body=lambda s: {
            "name": "Sàng lọc lần 2",
            "kind": "village",
            "unit_id": s.village.pk,
            "planned_on": "2021-11-12",
            "pool_size": 5,
            "lab_id": s.lab.pk,
        },
        given=("people",),
    ),
    Endpoint(
        "campaigns.get",
        "get",
        "/api/labs/campaigns/{campaign_id}",
        lambda s: f"/api/labs/campaigns/{s.campaign.pk}",
        view(),
    ),
    Endpoint(
        "campaigns.people",
        "post",
        "/api/labs/campaigns/{campaign_id}/people",
        lambda s: f"/api/labs/campaigns/{s.campaign.pk}/people",
        view_then(Perm.CAMPAIGN_MANAGE, 200),
        body=lambda s: {"person_ids": [s.make_person(full_name="Lò Thị Mới", unit=unit(BAN_GIANG)).pk]},
    ),
    Endpoint(
        "campaigns.transition",
        "post",
        "/api/labs/campaigns/{campaign_id}/transition",
        lambda s: f"/api/labs/campaigns/{s.campaign.pk}/transition",
        view_then(Perm.CAMPAIGN_MANAGE, 200),
        body=lambda s: {"to": "closed"},
    ),
    Endpoint(
        "campaigns.targets",
        "get",
        "/api/labs/campaigns/{campaign_id}/targets",
        lambda s: f"/api/labs/campaigns/{s.campaign.pk}/targets",
        view(sees=sees_area),  # a lab sees the campaign and its counts, not its list of residents
    ),
    Endpoint(
        "targets.mark",
        "post",
        "/api/labs/targets/{target_id}/mark",
        lambda s: f"/api/labs/targets/{s.target.pk}/mark",
        view_then(Perm.SAMPLE_TAKE, 200, sees=sees_area),
        body=lambda s: {"status": "absent", "note": "Đi nương"},
    ),
    Endpoint("follow_ups.list", "get", "/api/labs/follow-ups", lambda s: "/api/labs/follow-ups", listing),
    Endpoint(
        "samples.list",
        "get",
        "/api/labs/samples",
        lambda s: "/api/labs/samples",
        listing,
        check=sees_tubes,
        given=("everything",),
    ),
    Endpoint(
        "samples.take",
        "post",
        "/api/labs/samples",
        lambda s: "/api/labs/samples",
        take,
        body=lambda s: {"code": "BG-N1", "person_ids": [s.people[4].pk], "campaign_id": s.campaign.pk},
    ),
    Endpoint(
        "samples.rapid",
        "post",
        "/api/labs/samples/rapid",
        lambda s: "/api/labs/samples/rapid",
        rapid,
        body=lambda s: {"person_id": s.people[4].pk, "result": "negative"},
    ),
    Endpoint(
        "samples.get",
        "get",
        "/api/labs/samples/{sample_id}",
        lambda s: f"/api/labs/samples/{s.in_lab.pk}",
        view(),
        check=sees_contacts_if_area,
    ),
    Endpoint(
        "samples.by_code",
        "get",
        "/api/labs/samples/by-code/{code}",
        lambda s: f"/api/labs/samples/by-code/{s.in_lab.code.lower()}",
        view(),
        check=sees_contacts_if_area,
    ),
    Endpoint(
        "samples.result",
        "post",
        "/api/labs/samples/{sample_id}/result",
        lambda s: f"/api/labs/samples/{s.in_lab.pk}/result",
        lab_work(200),
        body=lambda s: {"result": "negative"},
    ),
    Endpoint(
        "results.upload",
        "post",
        "/api/labs/results/upload",
        lambda s: "/api/labs/results/upload",
        upload,
        body=upload_file,
        given=("in_lab",),
    ),
    Endpoint(
        "shipments.create",
        "post",
        "/api/labs/shipments",
        lambda s: "/api/labs/shipments",
        ship,
        body=lambda s: {"lab_id": s.lab.pk, "sample_codes": [s.collected.code]},
    ),
    Endpoint(
        "shipments.list",
        "get",
        "/api/labs/shipments",
        lambda s: "/api/labs/shipments",
        listing,
        check=sees_shipments,
        given=("everything",),
    ),
    Endpoint(
        "shipments.get",
        "get",
        "/api/labs/shipments/{shipment_id}",
        lambda s: f"/api/labs/shipments/{s.in_transit.pk}",
        view(),
    ),
    Endpoint(
        "shipments.receive",
        "post",
        "/api/labs/shipments/{shipment_id}/receive",
        lambda s: f"/api/labs/shipments/{s.in_transit.pk}/receive",
        lab_work(200),
        body=lambda s: {"scanned_codes": ["BG-T1"]},
    ),
    Endpoint(
        "turnaround",
        "get",
        "/api/labs/turnaround",
        lambda s: "/api/labs/turnaround",
        listing,
        check=sees_backlog,
        given=("everything",),
    ),
    Endpoint(
        "overdue",
        "get",
        "/api/labs/overdue",
        lambda s: "/api/labs/overdue",
        listing,
        check=sees_overdue,
        given=("everything",),
    ),
    Endpoint(
        "people.tests",
        "get",
        "/api/labs/people/{person_id}/tests",
        lambda s: f"/api/labs/people/{s.in_lab.members.get().person_id}/tests",
        view(),
        check=sees_history,
    ),
]
ENDPOINT_NAMES = [e.name for e in ENDPOINTS]


def test_the_matrix_covers_every_labs_route(db: Any) -> None:
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    operations = {(m, p) for p, item in paths.items() if p.startswith("/api/labs/") for m in item}
    assert operations == {(e.method, e.route) for e in ENDPOINTS}
    assert len(ENDPOINTS) == len(operations) == len(set(ENDPOINT_NAMES))


@pytest.mark.parametrize(("role", "position"), CALLERS, ids=[f"{r}-{p}" for r, p in CALLERS])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_permission_matrix(
    endpoint: Endpoint,
    role: str,
    position: str,
    admin_user: Any,
    make_user: Any,
    make_person: Any,
    api_client: Any,
) -> None:
    scene = Scene(admin_user, make_user, make_person)
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
        code = {403: "permission_denied", 404: "not_found", 422: "validation_error"}[expected]
        assert response.json()["code"] == code
        assert state() == before
    elif endpoint.check is not None:
        endpoint.check(scene, response, perms, position)
    if endpoint.method != "get" and expected < 400:
        assert state() != before
