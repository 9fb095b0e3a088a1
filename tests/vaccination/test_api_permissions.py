"""The vaccination API's permission matrix: every route under /api/vaccination/ × every role × the caller in the
records' own commune (xã Bản Giang), its district (huyện Tam Đường), a sibling commune (Bình Lư), another district
(Phong Thổ). The expected status follows ROLE_PERMS and the route's rule — the right first (403), then the record's
place (404 outside the area), then the write's right (403); a refused call leaves the database exactly as it was,
an accepted write changes it, an accepted read does not.

The scene (the clock pinned at 10/11/2021 09:00): in Bản Giang, Giàng A Páo (born 1950) with dose 1 (AZ, 01/09) and
Tẩn Thị Ba (born 1940) not vaccinated; a pending review row of an import; a campaign target (≥ 50, ≥ 1 dose, 90 %).

Per route:
- vaccines: any signed-in caller.
- doses list, coverage, priority, targets list: vaccination.view; the list shows only the caller's area (200 outside,
  without Bản Giang's records).
- one dose: vaccination.view, then the place; deactivate: then dose.record.
- record a dose: dose.record, then person.view, then the person's place.
- imports (upload): dose.import; the job is created for the caller's own area.
- reviews: dose.import, then the place; resolve: then person.view.
- targets: create needs vaccination.plan then the unit's place; deactivate needs vaccination.view, the place, then
  vaccination.plan.

10 roles × 4 positions × 15 routes = 600 cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.core.models import Job
from chihuy.vaccination.models import CampaignTarget, Dose, DoseReview, Vaccine
from chihuy.vaccination.services import dose_record, target_set
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG, unit

pytestmark = pytest.mark.django_db

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}
CALLERS = [(role, pos) for role in Role.values for pos in POSITIONS]
D = dt.date


class Scene:
    def __init__(self, make_user: Callable[..., Any], make_person: Callable[..., Any]):
        self.make_user, self.make_person = make_user, make_person

    @cached_property
    def officer(self) -> Any:
        return self.make_user(Role.HEALTH_OFFICER, BAN_GIANG)

    @cached_property
    def pao(self) -> Any:
        return self.make_person(full_name="Giàng A Páo", birth_year=1950)

    @cached_property
    def ba(self) -> Any:
        return self.make_person(full_name="Tẩn Thị Ba", birth_year=1940)

    @cached_property
    def dose(self) -> Dose:
        return dose_record(
            actor=self.officer,
            person=self.pao,
            dose_number=1,
            vaccine=Vaccine.objects.get(code="AZ"),
            given_on=D(2021, 9, 1),
        )

    @cached_property
    def review(self) -> DoseReview:
        return DoseReview.objects.create(
            unit_path=BAN_GIANG,
            filename="tiem.csv",
            row_number=2,
            raw={"ho_ten": "Tẩn Thị Ba"},
            parsed={
                "full_name": "Tẩn Thị Ba",
                "dose_number": 1,
                "vaccine_id": Vaccine.objects.get(code="PFIZER").pk,
                "given_on": "2021-10-01",
            },
            fingerprint="tan thi ba|1940||1|2021-10-01|PFIZER",
            reason="unmatched",
        )

    @cached_property
    def target(self) -> CampaignTarget:
        return target_set(
            actor=self.officer,
            unit=unit(BAN_GIANG),
            age_group="50+",
            kind="first",
            target_pct=90,
            due_on=D(2021, 12, 31),
        )

    def caller(self, role: str, position: str) -> Any:
        return self.make_user(role, POSITIONS[position])


def state() -> tuple[Any, ...]:
    return (
        sorted(Dose.objects.values_list("pk", "is_active")),
        sorted(DoseReview.objects.values_list("pk", "status")),
        sorted(CampaignTarget.objects.values_list("pk", "is_active")),
        Job.objects.count(),
    )


Rule = Callable[[set[str], str], int]


def read(perm: str) -> Rule:
    return lambda perms, pos: 200 if perm in perms else 403


def any_user() -> Rule:
    return lambda perms, pos: 200


def place(perm: str, ok: int = 200, *then: str) -> Rule:
    def rule(perms: set[str], pos: str) -> int:
        if perm not in perms:
            return 403
        if not INSIDE[pos]:
            return 404
        return ok if all(p in perms for p in then) else 403

    return rule


def right_person_place(perm: str, ok: int) -> Rule:
    def rule(perms: set[str], pos: str) -> int:
        if perm not in perms or Perm.PERSON_VIEW not in perms:
            return 403
        return ok if INSIDE[pos] else 404

    return rule


def created(perm: str, ok: int) -> Rule:
    return lambda perms, pos: ok if perm in perms else 403


def resolve_rule(perms: set[str], pos: str) -> int:
    if Perm.DOSE_IMPORT not in perms:
        return 403
    if not INSIDE[pos]:
        return 404
    return 200 if Perm.PERSON_VIEW in perms else 403


@dataclass
class Endpoint:
    name: str
    method: str
    route: str
    path: Callable[[Scene], str]
    rule: Rule
    body: Callable[[Scene], Any] | None = None
    given: tuple[str, ...] = ()
    writes: bool = False
    check: Callable[[Scene, Any, str], None] | None = None


def vc(path: str) -> str:
    return f"/api/vaccination{path}"


def sees_dose(scene: Scene, response: Any, position: str) -> None:
    ids = [d["id"] for d in response.json()["items"]]
    assert ids == ([scene.dose.pk] if INSIDE[position] else [])


def sees_ba(scene: Scene, response: Any, position: str) -> None:
    names = [p["full_name"] for p in response.json()["items"]]
    assert names == (["Tẩn Thị Ba"] if INSIDE[position] else [])


def sees_review(scene: Scene, response: Any, position: str) -> None:
    assert [r["id"] for r in response.json()["items"]] == ([scene.review.pk] if INSIDE[position] else [])


def sees_target(scene: Scene, response: Any, position: str) -> None:
    assert [t["id"] for t in response.json()] == ([scene.target.pk] if INSIDE[position] else [])


def coverage_of_own_unit(scene: Scene, response: Any, position: str) -> None:
    assert response.json()["units"][0]["unit_id"] == unit(POSITIONS[position]).pk


ENDPOINTS = [
    Endpoint("vaccines", "get", vc("/vaccines"), lambda s: vc("/vaccines"), any_user()),
    Endpoint(
        "doses.list",
        "get",
        vc("/doses"),
        lambda s: vc("/doses"),
        read(Perm.VACCINATION_VIEW),
        given=("dose",),
        check=sees_dose,
    ),
    Endpoint(
        "doses.create",
        "post",
        vc("/doses"),
        lambda s: vc("/doses"),
        right_person_place(Perm.DOSE_RECORD, 201),
        body=lambda s: {"person_id": s.pao.pk, "dose_number": 2, "vaccine": "AZ", "given_on": "2021-10-01"},
        given=("dose",),
        writes=True,
    ),
    Endpoint(
        "doses.get", "get", vc("/doses/{dose_id}"), lambda s: vc(f"/doses/{s.dose.pk}"), place(Perm.VACCINATION_VIEW)
    ),
    Endpoint(
        "doses.deactivate",
        "post",
        vc("/doses/{dose_id}/deactivate"),
        lambda s: vc(f"/doses/{s.dose.pk}/deactivate"),
        place(Perm.VACCINATION_VIEW, 200, Perm.DOSE_RECORD),
        body=lambda s: {"reason": "Ghi nhầm"},
        writes=True,
    ),
    Endpoint(
        "imports",
        "post",
        vc("/imports"),
        lambda s: vc("/imports"),
        created(Perm.DOSE_IMPORT, 202),
        body=lambda s: {
            "file": SimpleUploadedFile(
                "tiem.csv", "Họ và tên,Mũi tiêm,Loại vắc xin,Ngày tiêm\nA,1,AZ,01/10/2021\n".encode()
            )
        },
        writes=True,
    ),
    Endpoint(
        "reviews.list",
        "get",
        vc("/reviews"),
        lambda s: vc("/reviews"),
        read(Perm.DOSE_IMPORT),
        given=("review",),
        check=sees_review,
    ),
    Endpoint(
        "reviews.get",
        "get",
        vc("/reviews/{review_id}"),
        lambda s: vc(f"/reviews/{s.review.pk}"),
        place(Perm.DOSE_IMPORT),
    ),
    Endpoint(
        "reviews.resolve",
        "post",
        vc("/reviews/{review_id}/resolve"),
        lambda s: vc(f"/reviews/{s.review.pk}/resolve"),
        resolve_rule,
        body=lambda s: {"person_id": s.ba.pk},
        writes=True,
    ),
    Endpoint(
        "reviews.reject",
        "post",
        vc("/reviews/{review_id}/reject"),
        lambda s: vc(f"/reviews/{s.review.pk}/reject"),
        place(Perm.DOSE_IMPORT),
        body=lambda s: {"reason": "Người ngoài tỉnh"},
        writes=True,
    ),
    Endpoint(
        "coverage",
        "get",
        vc("/coverage"),
        lambda s: vc("/coverage"),
        read(Perm.VACCINATION_VIEW),
        check=coverage_of_own_unit,
    ),
    Endpoint(
        "priority",
        "get",
        vc("/priority"),
        lambda s: vc("/priority"),
        read(Perm.VACCINATION_VIEW),
        given=("dose", "ba"),
        check=sees_ba,
    ),
    Endpoint(
        "targets.list",
        "get",
        vc("/targets"),
        lambda s: vc("/targets"),
        read(Perm.VACCINATION_VIEW),
        given=("target",),
        check=sees_target,
    ),
    Endpoint(
        "targets.create",
        "post",
        vc("/targets"),
        lambda s: vc("/targets"),
        place(Perm.VACCINATION_PLAN, 201),
        body=lambda s: {
            "unit_id": unit(BAN_GIANG).pk,
            "age_group": "18+",
            "kind": "full",
            "target_pct": "70",
            "due_on": "2021-12-31",
        },
        writes=True,
    ),
    Endpoint(
        "targets.deactivate",
        "post",
        vc("/targets/{target_id}/deactivate"),
        lambda s: vc(f"/targets/{s.target.pk}/deactivate"),
        place(Perm.VACCINATION_VIEW, 204, Perm.VACCINATION_PLAN),
        writes=True,
    ),
]
ERROR_CODES = {403: "permission_denied", 404: "not_found"}


def test_the_matrix_covers_every_vaccination_route(db: Any) -> None:
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    operations = {(m, p) for p, item in paths.items() if p.startswith("/api/vaccination/") for m in item}
    assert operations == {(e.method, e.route) for e in ENDPOINTS}
    assert len(ENDPOINTS) == len(operations) == 15


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
    expected = endpoint.rule(set(ROLE_PERMS[role]), position)
    before = state()

    call = getattr(client, endpoint.method)
    response = call(path) if body is None else call(path, body)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["code"] == ERROR_CODES[expected]
        assert state() == before
        return
    if endpoint.check is not None:
        endpoint.check(scene, response, position)
    assert (state() != before) == endpoint.writes
