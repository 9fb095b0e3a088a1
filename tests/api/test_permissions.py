"""The permission matrix: every endpoint × every role × the acting user in the record's own unit, its
parent, a sibling unit, another district. The expected status comes from ROLE_PERMS and the endpoint's
rule; a refused write must leave the database exactly as it was.

The records live in xã Bản Giang (Tam Đường). Own and parent are inside the jurisdiction; sibling and
other district are outside, where a record answers 404 as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chihuy.accounts.roles import ROLE_PERMS, Perm, Role
from chihuy.cases import services as case_services
from chihuy.cases.models import (
    Case,
    CaseSource,
    Classification,
    Cluster,
    Contact,
    ExposureNotice,
    ItineraryStop,
    TraceAttempt,
)
from chihuy.core import clock
from chihuy.core.audit import snapshot
from chihuy.core.jobs import job_create
from chihuy.core.models import AuditEvent, Job
from chihuy.people.models import Household, Person, PersonNameKey
from chihuy.people.services import person_merge
from chihuy.places.models import Site, Unit
from chihuy.places.services import site_create
from tests.conftest import BAN_GIANG, BINH_LU, PHONG_THO, TAM_DUONG

POSITIONS = {"own": BAN_GIANG, "parent": TAM_DUONG, "sibling": BINH_LU, "other_district": PHONG_THO}
INSIDE = {"own": True, "parent": True, "sibling": False, "other_district": False}


class Scene:
    """The records the endpoints act on, made on first use by a province administrator."""

    def __init__(self, admin: Any, make_person: Callable[..., Any], make_user: Callable[..., Any]):
        self.admin, self.make_person, self.make_user = admin, make_person, make_user

    @cached_property
    def commune(self) -> Unit:
        return Unit.objects.get(path=BAN_GIANG)

    @cached_property
    def person(self) -> Any:
        return self.make_person(full_name="Lò Văn Pằn", birth_year=1980, phone="0912345678")

    @cached_property
    def target(self) -> Any:
        return self.make_person(full_name="Lò Văn Pằn", birth_year=1980)

    @cached_property
    def merge_event(self) -> AuditEvent:
        source = self.make_person(full_name="Tòng Thị Ơn", birth_year=1975)
        target = self.make_person(full_name="Tòng Thị Ơn", birth_year=1975)
        person_merge(actor=self.admin, source=source, target=target, reason="trùng")
        return AuditEvent.objects.get(action="merge", object_id=str(source.pk))

    @cached_property
    def site(self) -> Site:
        return site_create(actor=self.admin, unit=self.commune, kind="venue", name="Chợ phiên Bản Giang")

    @cached_property
    def case(self) -> Case:
        return case_services.case_report(
            actor=self.admin,
            person=self.person,
            detection_way="community",
            detected_at=clock.now() - dt.timedelta(hours=2),
            sample_date=clock.today() - dt.timedelta(days=1),
        )

    @cached_property
    def contact(self) -> Contact:
        self.case  # noqa: B018 — the source is an F0 first, so that the contact is an F1
        contact_person = self.make_person(full_name="Lò Thị Hai", birth_year=1985)
        return case_services.contact_add(
            actor=self.admin,
            source_person=self.person,
            contact_person=contact_person,
            exposure_at=clock.now() - dt.timedelta(hours=3),
            physical_contact=True,
        )

    @cached_property
    def classification(self) -> Classification:
        return Classification.objects.get(person_id=self.contact.contact_person_id)

    @cached_property
    def stop(self) -> ItineraryStop:
        now = clock.now()
        return case_services.itinerary_add(
            actor=self.admin,
            case=self.case,
            place="Chợ phiên Bản Giang",
            start_at=now - dt.timedelta(hours=5),
            end_at=now - dt.timedelta(hours=4),
        )

    @cached_property
    def notice(self) -> ExposureNotice:
        return case_services.notice_draft(actor=self.admin, case=self.case, title="Chợ phiên", stop_ids=[self.stop.pk])

    @cached_property
    def cluster(self) -> Cluster:
        return case_services.cluster_create(
            actor=self.admin, name="Ổ dịch Bản Giang", unit=self.commune, case_ids=[self.case.pk]
        )

    @cached_property
    def job(self) -> Job:
        owner = self.make_user(Role.HEALTH_OFFICER, BAN_GIANG)
        return job_create(kind="people.import", actor=owner, unit_path=BAN_GIANG, input_name="x.csv")

    @cached_property
    def case_import_job(self) -> Job:
        owner = self.make_user(Role.HEALTH_OFFICER, BAN_GIANG)
        return job_create(kind="cases.import", actor=owner, unit_path=BAN_GIANG, input_name="ds-ca.csv")


def state() -> list[Any]:
    """What a write could change (API token use aside)."""
    return [
        [tuple(snapshot(p).items()) for p in Person.objects.order_by("pk")],
        list(PersonNameKey.objects.order_by("pk").values_list("person_id", "key", "unit_path")),
        [tuple(snapshot(s).items()) for s in Site.objects.order_by("pk")],
        [tuple(snapshot(h).items()) for h in Household.objects.order_by("pk")],
        list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "object_id", "details")),
        list(Job.objects.order_by("pk").values_list("pk", "status")),
        [tuple(snapshot(c).items()) for c in Case.objects.order_by("pk")],
        list(CaseSource.objects.order_by("pk").values_list("infector_id", "infectee_id")),
        list(Contact.objects.order_by("pk").values_list("pk", "is_active", "qualifies")),
        list(Classification.objects.order_by("pk").values_list("pk", "level", "trace_status", "root_case_id")),
        list(TraceAttempt.objects.order_by("pk").values_list("pk", "outcome")),
        list(ItineraryStop.objects.order_by("pk").values_list("pk", "place")),
        list(ExposureNotice.objects.order_by("pk").values_list("pk", "status")),
        list(Cluster.objects.order_by("pk").values_list("pk", "status", "last_case_on")),
    ]


# --- rules: (permissions of the role, inside the jurisdiction?) → expected status ------------------


def always(status: int) -> Callable[[set[str], bool], int]:
    return lambda perms, inside: status


def perm_then_scope(perm: str, ok: int) -> Callable[[set[str], bool], int]:
    """The permission is checked first (403), then the record's place (404)."""
    return lambda perms, inside: 403 if perm not in perms else (ok if inside else 404)


def scope_then_perm(perm: str, ok: int) -> Callable[[set[str], bool], int]:
    """The person is fetched first (person.view: 403, then 404 outside), then the write is checked (403). Every
    role but the lab technician (who sees only the tubes sent to their lab) may view people."""
    return lambda perms, inside: (
        403 if Perm.PERSON_VIEW not in perms else 404 if not inside else ok if perm in perms else 403
    )


def view_scope_then_perm(perm: str, ok: int) -> Callable[[set[str], bool], int]:
    """A case record read first (case.view: 403, then its place: 404), then the write's own permission (403)."""
    return lambda perms, inside: (
        403 if Perm.CASE_VIEW not in perms else 404 if not inside else ok if perm in perms else 403
    )


def manager_inside(perms: set[str], inside: bool) -> int:
    return 200 if Perm.USER_MANAGE in perms and inside else 404


@dataclass
class Endpoint:
    name: str
    method: str
    path: Callable[[Scene], str]
    rule: Callable[[set[str], bool], int]
    body: Callable[[Scene], Any] | None = None
    writes: bool = False
    # For a 200 that depends on the place (lists, imports): what the answer must show.
    check: Callable[[Scene, Any, bool], None] | None = None
    given: tuple[str, ...] = ()  # scene records to make before the request (those it must find)


def sees_person(scene: Scene, response: Any, inside: bool) -> None:
    assert [p["id"] for p in response.json()["items"]] == ([scene.person.pk] if inside else [])


def sees_site(scene: Scene, response: Any, inside: bool) -> None:
    assert [s["id"] for s in response.json()] == ([scene.site.pk] if inside else [])


def sees_events(scene: Scene, response: Any, inside: bool) -> None:
    ids = {e["object_id"] for e in response.json()["items"] if e["object_type"] == "people.person"}
    assert (str(scene.person.pk) in ids) is inside


def sees_candidates(scene: Scene, response: Any, inside: bool) -> None:
    assert [c["person"]["id"] for c in response.json()["candidates"]] == [scene.person.pk]


def import_applies_inside_only(scene: Scene, response: Any, inside: bool) -> None:
    body = response.json()
    if inside:
        assert (body["created"], body["errors"]) == (1, [])
    else:
        assert (body["created"], [(e["row"], e["field"]) for e in body["errors"]]) == (0, [(2, "unit_code")])


def sees_case(scene: Scene, response: Any, inside: bool) -> None:
    assert [c["id"] for c in response.json()["items"]] == ([scene.case.pk] if inside else [])


def sees_queue(scene: Scene, response: Any, inside: bool) -> None:
    assert [c["id"] for c in response.json()["items"]] == ([scene.classification.pk] if inside else [])


def sees_notice(scene: Scene, response: Any, inside: bool) -> None:
    assert [n["id"] for n in response.json()] == ([scene.notice.pk] if inside else [])


def sees_cluster(scene: Scene, response: Any, inside: bool) -> None:
    assert [c["id"] for c in response.json()] == ([scene.cluster.pk] if inside else [])


def queues_a_case_import(scene: Scene, response: Any, inside: bool) -> None:
    job = Job.objects.get(pk=response.json()["job_id"])
    assert (job.kind, job.status, job.input_name) == ("cases.import", "queued", "ds-ca.csv")


def case_view(ok: int = 200) -> Callable[[set[str], bool], int]:
    return lambda perms, inside: ok if Perm.CASE_VIEW in perms else 403


def exposure(scene: Scene) -> dict[str, Any]:
    return {"exposure_at": (clock.now() - dt.timedelta(hours=3)).isoformat(), "physical_contact": True}


CONTACT_LINES = "ho_ten,nam_sinh,tiep_xuc_truc_tiep\nVàng A Mới,1999,có\n".encode()

CASE_LINES = "so_ca,huyen,xa,ngay_phat_hien\nBN1,Tam Đường,Bản Giang,01/11/2021\n".encode()

IMPORT_FILE = "ho_ten,nam_sinh,ma_don_vi\nVàng A Mới,1999,03418\n".encode()

ENDPOINTS = [
    Endpoint("units.list", "get", lambda s: "/api/units/", always(200)),
    Endpoint("units.children", "get", lambda s: f"/api/units/?parent_id={s.commune.parent_id}", always(200)),
    Endpoint("units.get", "get", lambda s: f"/api/units/{s.commune.pk}", always(200)),
    Endpoint("sites.list", "get", lambda s: "/api/units/sites", always(200), check=sees_site, given=("site",)),
    Endpoint(
        "sites.create",
        "post",
        lambda s: "/api/units/sites",
        perm_then_scope(Perm.SITE_CHANGE, 201),
        body=lambda s: {"unit_id": s.commune.pk, "kind": "lab", "name": "Phòng xét nghiệm"},
        writes=True,
    ),
    Endpoint(
        "people.search",
        "get",
        lambda s: "/api/people/?q=lo van pan",
        lambda perms, inside: 200 if Perm.PERSON_VIEW in perms else 403,
        check=sees_person,
        given=("person",),
    ),
    Endpoint(
        "people.create",
        "post",
        lambda s: "/api/people/",
        perm_then_scope(Perm.PERSON_CHANGE, 201),
        body=lambda s: {"full_name": "Vàng A Mới", "birth_year": 1999, "unit_id": s.commune.pk},
        writes=True,
    ),
    Endpoint(
        "people.duplicates",
        "post",
        lambda s: "/api/people/duplicates",
        perm_then_scope(Perm.PERSON_VIEW, 200),
        body=lambda s: {"full_name": s.person.full_name, "birth_year": 1980, "unit_id": s.commune.pk},
        check=sees_candidates,
        given=("person",),
    ),
    Endpoint("people.get", "get", lambda s: f"/api/people/{s.person.pk}", perm_then_scope(Perm.PERSON_VIEW, 200)),
    Endpoint(
        "people.update",
        "patch",
        lambda s: f"/api/people/{s.person.pk}",
        scope_then_perm(Perm.PERSON_CHANGE, 200),
        body=lambda s: {"occupation": "Nông dân"},
        writes=True,
    ),
    Endpoint(
        "people.deactivate",
        "post",
        lambda s: f"/api/people/{s.person.pk}/deactivate",
        scope_then_perm(Perm.PERSON_CHANGE, 200),
        body=lambda s: {"reason": "nhập nhầm"},
        writes=True,
    ),
    Endpoint(
        "people.merge",
        "post",
        lambda s: "/api/people/merge",
        perm_then_scope(Perm.PERSON_MERGE, 200),
        body=lambda s: {"source_id": s.person.pk, "target_id": s.target.pk, "reason": "trùng"},
        writes=True,
    ),
    Endpoint(
        "people.unmerge",
        "post",
        lambda s: f"/api/people/merges/{s.merge_event.pk}/undo",
        perm_then_scope(Perm.PERSON_MERGE, 200),
        body=lambda s: {"reason": "gộp nhầm"},
        writes=True,
    ),
    Endpoint(
        "people.households",
        "post",
        lambda s: "/api/people/households",
        scope_then_perm(Perm.PERSON_CHANGE, 201),
        body=lambda s: {"unit_id": s.commune.pk, "address": "Bản Một", "member_ids": [s.person.pk]},
        writes=True,
    ),
    Endpoint(
        "people.import",
        "post",
        lambda s: "/api/people/import",
        lambda perms, inside: 200 if Perm.PERSON_IMPORT in perms else 403,
        body=lambda s: {"file": SimpleUploadedFile("ds.csv", IMPORT_FILE)},
        writes=True,
        check=import_applies_inside_only,
    ),
    Endpoint("accounts.me", "get", lambda s: "/api/accounts/me", always(200)),
    Endpoint("accounts.tokens", "post", lambda s: "/api/accounts/tokens", always(201), body=lambda s: {"name": "x"}),
    Endpoint(
        "audit.events",
        "get",
        lambda s: "/api/audit/events?limit=200",
        lambda perms, inside: 200 if Perm.AUDIT_VIEW in perms else 403,
        check=sees_events,
        given=("person",),
    ),
    Endpoint("jobs.get", "get", lambda s: f"/api/jobs/{s.job.pk}", manager_inside),
    # --- cases ---
    Endpoint(
        "case_imports.upload",
        "post",
        lambda s: "/api/case-imports",
        lambda perms, inside: 202 if Perm.CASE_IMPORT in perms else 403,
        body=lambda s: {"file": SimpleUploadedFile("ds-ca.csv", CASE_LINES)},
        writes=True,
        check=queues_a_case_import,
    ),
    Endpoint("case_imports.get", "get", lambda s: f"/api/case-imports/{s.case_import_job.pk}", manager_inside),
    Endpoint("cases.list", "get", lambda s: "/api/cases/", case_view(), check=sees_case, given=("case",)),
    Endpoint(
        "cases.report",
        "post",
        lambda s: "/api/cases/",
        scope_then_perm(Perm.CASE_REPORT, 201),
        body=lambda s: {
            "person_id": s.target.pk,
            "detection_way": "community",
            "detected_at": (clock.now() - dt.timedelta(hours=1)).isoformat(),
            "sample_date": (clock.today() - dt.timedelta(days=1)).isoformat(),
        },
        writes=True,
    ),
    Endpoint("cases.get", "get", lambda s: f"/api/cases/{s.case.pk}", perm_then_scope(Perm.CASE_VIEW, 200)),
    Endpoint(
        "cases.update",
        "patch",
        lambda s: f"/api/cases/{s.case.pk}",
        view_scope_then_perm(Perm.CASE_REPORT, 200),
        body=lambda s: {"treatment_place": "Trạm y tế xã"},
        writes=True,
    ),
    Endpoint(
        "cases.transition",
        "post",
        lambda s: f"/api/cases/{s.case.pk}/transition",
        view_scope_then_perm(Perm.CASE_REPORT, 200),
        body=lambda s: {"to": "recovered"},
        writes=True,
    ),
    Endpoint("cases.sources", "get", lambda s: f"/api/cases/{s.case.pk}/sources", perm_then_scope(Perm.CASE_VIEW, 200)),
    Endpoint(
        "cases.set_sources",
        "put",
        lambda s: f"/api/cases/{s.case.pk}/sources",
        view_scope_then_perm(Perm.CASE_REPORT, 200),
        body=lambda s: {"source_case_ids": []},
        writes=True,
    ),
    Endpoint(
        "cases.timeline", "get", lambda s: f"/api/cases/{s.case.pk}/timeline", perm_then_scope(Perm.CASE_VIEW, 200)
    ),
    Endpoint(
        "cases.itinerary", "get", lambda s: f"/api/cases/{s.case.pk}/itinerary", perm_then_scope(Perm.CASE_VIEW, 200)
    ),
    Endpoint(
        "cases.itinerary_add",
        "post",
        lambda s: f"/api/cases/{s.case.pk}/itinerary",
        view_scope_then_perm(Perm.TRACE_WORK, 201),
        body=lambda s: {
            "place": "Quán ăn",
            "start_at": (clock.now() - dt.timedelta(hours=2)).isoformat(),
            "end_at": (clock.now() - dt.timedelta(hours=1)).isoformat(),
        },
        writes=True,
    ),
    Endpoint(
        "contacts.list",
        "get",
        lambda s: f"/api/cases/contacts?case_id={s.case.pk}",
        perm_then_scope(Perm.CASE_VIEW, 200),
    ),
    Endpoint(
        "contacts.add",
        "post",
        lambda s: "/api/cases/contacts",
        scope_then_perm(Perm.CONTACT_CHANGE, 201),
        body=lambda s: {"source_person_id": s.case.person_id, "contact_person_id": s.target.pk, **exposure(s)},
        writes=True,
    ),
    Endpoint(
        "contacts.lines",
        "post",
        lambda s: "/api/cases/contacts/lines",
        scope_then_perm(Perm.CONTACT_CHANGE, 200),
        body=lambda s: {
            "source_person_id": s.case.person_id,
            "rows": [{"ho_ten": "Vàng A Mới", "nam_sinh": "1999", "tiep_xuc_truc_tiep": "có"}],
            "default_exposure": exposure(s)["exposure_at"],
        },
        writes=True,
    ),
    Endpoint(
        "contacts.import",
        "post",
        lambda s: "/api/cases/contacts/import",
        scope_then_perm(Perm.CONTACT_CHANGE, 200),
        body=lambda s: {
            "source_person_id": s.case.person_id,
            "default_exposure": exposure(s)["exposure_at"],
            "file": SimpleUploadedFile("f1.csv", CONTACT_LINES),
        },
        writes=True,
    ),
    Endpoint(
        "contacts.deactivate",
        "post",
        lambda s: f"/api/cases/contacts/{s.contact.pk}/deactivate",
        view_scope_then_perm(Perm.CONTACT_CHANGE, 200),
        body=lambda s: {"reason": "nhập nhầm"},
        writes=True,
    ),
    Endpoint(
        "levels.get",
        "get",
        lambda s: f"/api/cases/levels/{s.classification.person_id}",
        scope_then_perm(Perm.CASE_VIEW, 200),
    ),
    Endpoint(
        "tracing.queue", "get", lambda s: "/api/cases/tracing", case_view(), check=sees_queue, given=("classification",)
    ),
    Endpoint(
        "tracing.attempt",
        "post",
        lambda s: f"/api/cases/tracing/{s.classification.pk}/attempts",
        view_scope_then_perm(Perm.TRACE_WORK, 201),
        body=lambda s: {"outcome": "reached"},
        writes=True,
    ),
    Endpoint("notices.list", "get", lambda s: "/api/cases/notices", case_view(), check=sees_notice, given=("notice",)),
    Endpoint(
        "notices.draft",
        "post",
        lambda s: "/api/cases/notices",
        view_scope_then_perm(Perm.NOTICE_DRAFT, 201),
        body=lambda s: {"case_id": s.case.pk, "title": "Quán ăn", "stop_ids": [s.stop.pk]},
        writes=True,
    ),
    Endpoint(
        "notices.transition",
        "post",
        lambda s: f"/api/cases/notices/{s.notice.pk}/transition",
        view_scope_then_perm(Perm.NOTICE_APPROVE, 200),
        body=lambda s: {"to": "approved"},
        writes=True,
    ),
    Endpoint("notices.public", "get", lambda s: "/api/cases/public/notices", always(200)),
    Endpoint(
        "clusters.list", "get", lambda s: "/api/cases/clusters", case_view(), check=sees_cluster, given=("cluster",)
    ),
    Endpoint(
        "clusters.create",
        "post",
        lambda s: "/api/cases/clusters",
        perm_then_scope(Perm.CLUSTER_CHANGE, 201),
        body=lambda s: {"name": "Ổ dịch chợ", "unit_id": s.commune.pk},
        writes=True,
    ),
    Endpoint("clusters.suggestions", "get", lambda s: "/api/cases/clusters/suggestions", case_view()),
    Endpoint(
        "clusters.get", "get", lambda s: f"/api/cases/clusters/{s.cluster.pk}", perm_then_scope(Perm.CASE_VIEW, 200)
    ),
    Endpoint(
        "clusters.add_cases",
        "post",
        lambda s: f"/api/cases/clusters/{s.cluster.pk}/cases",
        view_scope_then_perm(Perm.CLUSTER_CHANGE, 200),
        body=lambda s: {"case_ids": [s.case.pk]},
        writes=True,
    ),
    Endpoint(
        "clusters.graph",
        "get",
        lambda s: f"/api/cases/clusters/{s.cluster.pk}/graph",
        perm_then_scope(Perm.CASE_VIEW, 200),
    ),
    Endpoint(
        "graph.person",
        "get",
        lambda s: f"/api/cases/graph/person/{s.case.person_id}",
        scope_then_perm(Perm.CASE_VIEW, 200),
    ),
    Endpoint("fives.overdue", "get", lambda s: "/api/cases/fives/overdue", case_view()),
    Endpoint("fives.medians", "get", lambda s: "/api/cases/fives/medians", case_view()),
]


def test_the_matrix_covers_every_route_of_the_api(db: Any) -> None:
    from django.test import Client

    # The command centre's and the outbox's routes have their own matrices beside their tests:
    # tests/command/test_api_permissions.py (it checks it covers every /api/command/ route but the tickets'),
    # tests/command/test_tickets_api.py and tests/notify/test_api.py — see test_the_other_matrices_cover_their_routes.
    own = [p for p in Client().get("/api/openapi.json").json()["paths"].items() if not p[0].startswith(ELSEWHERE)]
    paths = {p for p, _item in own}
    operations = {(m, p) for p, item in own for m in item}
    assert len(operations) == len({(e.method, e.name) for e in ENDPOINTS}) - 1  # units.list/children: one route
    assert paths == {
        "/api/units/",
        "/api/units/{unit_id}",
        "/api/units/sites",
        "/api/people/",
        "/api/people/duplicates",
        "/api/people/{person_id}",
        "/api/people/{person_id}/deactivate",
        "/api/people/merge",
        "/api/people/merges/{event_id}/undo",
        "/api/people/households",
        "/api/people/import",
        "/api/accounts/me",
        "/api/accounts/tokens",
        "/api/audit/events",
        "/api/jobs/{job_id}",
        "/api/case-imports",
        "/api/case-imports/{job_id}",
        "/api/cases/",
        "/api/cases/{case_id}",
        "/api/cases/{case_id}/transition",
        "/api/cases/{case_id}/sources",
        "/api/cases/{case_id}/timeline",
        "/api/cases/{case_id}/itinerary",
        "/api/cases/contacts",
        "/api/cases/contacts/lines",
        "/api/cases/contacts/import",
        "/api/cases/contacts/{contact_id}/deactivate",
        "/api/cases/levels/{person_id}",
        "/api/cases/tracing",
        "/api/cases/tracing/{classification_id}/attempts",
        "/api/cases/notices",
        "/api/cases/notices/{notice_id}/transition",
        "/api/cases/public/notices",
        "/api/cases/clusters",
        "/api/cases/clusters/suggestions",
        "/api/cases/clusters/{cluster_id}",
        "/api/cases/clusters/{cluster_id}/cases",
        "/api/cases/clusters/{cluster_id}/graph",
        "/api/cases/graph/person/{person_id}",
        "/api/cases/fives/overdue",
        "/api/cases/fives/medians",
    }


ELSEWHERE = (
    "/api/command/",
    "/api/notify/",
    "/api/labs/",
    "/api/isolation/",
    "/api/tracing/",
    "/api/vaccination/",
    "/api/reports/",
)
TICKET_ROUTES = {
    # route: the test of tests/command/test_tickets_api.py that walks it
    ("get", "/api/command/tickets/"): "list",
    ("post", "/api/command/tickets/"): "test_intake_matrix",
    ("post", "/api/command/tickets/inbound/zalo"): "test_a_bad_signature_is_401_and_writes_nothing",
    ("get", "/api/command/tickets/{ticket_id}"): "get",
    ("patch", "/api/command/tickets/{ticket_id}"): "patch",
    ("post", "/api/command/tickets/{ticket_id}/assign"): "assign",
    ("post", "/api/command/tickets/{ticket_id}/comments"): "comment",
    ("post", "/api/command/tickets/{ticket_id}/transition"): "transition",
    ("post", "/api/command/tickets/{ticket_id}/escalate"): "escalate",
    ("post", "/api/command/tickets/{ticket_id}/close"): "close",
    ("post", "/api/command/tickets/{ticket_id}/links"): "links",
}
NOTIFY_ROUTES = {
    # route: the test of tests/notify/test_api.py that checks its rights and scope
    ("get", "/api/notify/deliveries"): "test_outbox_is_for_operators_and_scoped_to_their_area",
    ("get", "/api/notify/deliveries/counts"): "test_outbox_is_for_operators_and_scoped_to_their_area",
    ("get", "/api/notify/dead-letters"): "test_outbox_is_for_operators_and_scoped_to_their_area",
    ("post", "/api/notify/deliveries/{delivery_id}/retry"): "test_outbox_is_for_operators_and_scoped_to_their_area",
    ("get", "/api/notify/messages/{message_id}"): "test_outbox_is_for_operators_and_scoped_to_their_area",
    ("get", "/api/notify/broadcasts"): "test_broadcast_read_acknowledge_and_tally",
    ("get", "/api/notify/broadcasts/{broadcast_id}"): "test_broadcast_read_acknowledge_and_tally",
    ("post", "/api/notify/broadcasts/{broadcast_id}/acknowledge"): "test_broadcast_read_acknowledge_and_tally",
    ("get", "/api/notify/broadcasts/{broadcast_id}/tally"): "test_broadcast_read_acknowledge_and_tally",
    ("get", "/api/notify/preferences/me"): "test_my_preferences",
    ("put", "/api/notify/preferences/me"): "test_my_preferences",
}
REPORTS_ROUTES = {
    # route: (matrix module in tests/reports, the route's key in its matrix) — every role × own/parent/sibling/other
    ("get", "/api/reports/levels"): ("test_levels_api_permissions", "list"),
    ("get", "/api/reports/levels/latest"): ("test_levels_api_permissions", "latest"),
    ("get", "/api/reports/levels/{assessment_id}"): ("test_levels_api_permissions", "get"),
    ("post", "/api/reports/levels/assess"): ("test_levels_api_permissions", "assess"),
    ("post", "/api/reports/levels/{assessment_id}/decision"): ("test_levels_api_permissions", "decide"),
    ("post", "/api/reports/levels/capacity"): ("test_levels_api_permissions", "capacity"),
    ("get", "/api/reports/levels/rules"): ("test_levels_api_permissions", "rules"),
    ("post", "/api/reports/levels/rules"): ("test_levels_api_permissions", "rules_set"),
    ("get", "/api/reports/daily/indicators"): ("test_daily_api_permissions", "indicators"),
    ("get", "/api/reports/daily/{unit_id}/{day}"): ("test_daily_api_permissions", "get"),
    ("put", "/api/reports/daily/{unit_id}/{day}"): ("test_daily_api_permissions", "save"),
    ("post", "/api/reports/daily/{unit_id}/{day}/submit"): ("test_daily_api_permissions", "submit"),
    ("post", "/api/reports/daily/reports/{report_id}/approve"): ("test_daily_api_permissions", "approve"),
    ("post", "/api/reports/daily/reports/{report_id}/return"): ("test_daily_api_permissions", "return"),
    ("get", "/api/reports/daily/{unit_id}/{day}/missing"): ("test_daily_api_permissions", "missing"),
    ("get", "/api/reports/daily/{unit_id}/{day}/consolidated"): ("test_daily_api_permissions", "consolidated"),
    ("get", "/api/reports/daily/{unit_id}/rollup"): ("test_daily_api_permissions", "rollup"),
    ("get", "/api/reports/daily/{unit_id}/{day}/export"): ("test_daily_api_permissions", "export"),
    ("get", "/api/reports/dashboard"): ("test_dashboard_api_permissions", "/api/reports/dashboard"),
    ("get", "/api/reports/facts"): ("test_dashboard_api_permissions", "/api/reports/facts"),
    ("get", "/api/reports/public"): ("test_dashboard_api_permissions", "/api/reports/public"),
}
LABS_ROUTES = {
    # route: the endpoint of tests/labs/test_api_permissions.py's matrix that walks it (every role, in and out of area)
    ("get", "/api/labs/"): "labs.list",
    ("get", "/api/labs/mine"): "labs.mine",
    ("get", "/api/labs/campaigns"): "campaigns.list",
    ("post", "/api/labs/campaigns"): "campaigns.create",
    ("get", "/api/labs/campaigns/{campaign_id}"): "campaigns.get",
    ("post", "/api/labs/campaigns/{campaign_id}/people"): "campaigns.people",
    ("post", "/api/labs/campaigns/{campaign_id}/transition"): "campaigns.transition",
    ("get", "/api/labs/campaigns/{campaign_id}/targets"): "campaigns.targets",
    ("post", "/api/labs/targets/{target_id}/mark"): "targets.mark",
    ("get", "/api/labs/follow-ups"): "follow_ups.list",
    ("get", "/api/labs/samples"): "samples.list",
    ("post", "/api/labs/samples"): "samples.take",
    ("post", "/api/labs/samples/rapid"): "samples.rapid",
    ("get", "/api/labs/samples/{sample_id}"): "samples.get",
    ("get", "/api/labs/samples/by-code/{code}"): "samples.by_code",
    ("post", "/api/labs/samples/{sample_id}/result"): "samples.result",
    ("post", "/api/labs/results/upload"): "results.upload",
    ("get", "/api/labs/shipments"): "shipments.list",
    ("post", "/api/labs/shipments"): "shipments.create",
    ("get", "/api/labs/shipments/{shipment_id}"): "shipments.get",
    ("post", "/api/labs/shipments/{shipment_id}/receive"): "shipments.receive",
    ("get", "/api/labs/turnaround"): "turnaround",
    ("get", "/api/labs/overdue"): "overdue",
    ("get", "/api/labs/people/{person_id}/tests"): "people.tests",
}


def test_the_other_matrices_cover_their_routes(db: Any) -> None:
    """Every ticket, outbox, labs, isolation and tracing route is named here (or in the matrix) with the test that
    walks its rights: a new route fails until it is added there and here. (The command matrix checks its own
    count.)"""
    from django.test import Client

    from tests.command import test_tickets_api
    from tests.isolation import test_api_permissions as isolation_matrix
    from tests.labs import test_api_permissions as labs_matrix
    from tests.notify import test_api as notify_api
    from tests.tracing import test_api_permissions as tracing_matrix
    from tests.vaccination import test_api_permissions as vaccination_matrix

    paths = Client().get("/api/openapi.json").json()["paths"]
    tickets = {(m, p) for p, item in paths.items() if p.startswith("/api/command/tickets") for m in item}
    notify = {(m, p) for p, item in paths.items() if p.startswith("/api/notify/") for m in item}
    labs = {(m, p) for p, item in paths.items() if p.startswith("/api/labs/") for m in item}
    assert tickets == set(TICKET_ROUTES) and notify == set(NOTIFY_ROUTES) and labs == set(LABS_ROUTES)
    for route, name in LABS_ROUTES.items():
        assert (name, *route) in {(e.name, e.method, e.route) for e in labs_matrix.ENDPOINTS}, name
    for name in TICKET_ROUTES.values():
        assert name in test_tickets_api.ENDPOINT_NAMES or hasattr(test_tickets_api, name), name
    for name in NOTIFY_ROUTES.values():
        assert hasattr(notify_api, name), name
    # Isolation: every route is an endpoint of tests/isolation/test_api_permissions.py's role × area matrix.
    isolation = {(m, p) for p, item in paths.items() if p.startswith("/api/isolation/") for m in item}
    assert isolation == {(e.method, e.route) for e in isolation_matrix.ENDPOINTS}
    # Tracing: every route is an endpoint of tests/tracing/test_api_permissions.py's role × area matrix.
    tracing = {(m, p) for p, item in paths.items() if p.startswith("/api/tracing/") for m in item}
    assert tracing == {(e.method, e.route) for e in tracing_matrix.ENDPOINTS}
    # Vaccination: every route is an endpoint of tests/vaccination/test_api_permissions.py's matrix.
    vaccination = {(m, p) for p, item in paths.items() if p.startswith("/api/vaccination/") for m in item}
    assert vaccination == {(e.method, e.route) for e in vaccination_matrix.ENDPOINTS}
    # Reports: levels, daily reports and dashboards each have their matrix in tests/reports.
    reports = {(m, p) for p, item in paths.items() if p.startswith("/api/reports/") for m in item}
    assert reports == set(REPORTS_ROUTES)
    for (method, _path), (module_name, key) in REPORTS_ROUTES.items():
        routes = importlib.import_module(f"tests.reports.{module_name}").ROUTES
        if isinstance(routes, set):
            assert (method, key) in routes, key
        else:
            assert key in routes, key
            if isinstance(routes, dict):
                assert routes[key][0] == method, key


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_permission_matrix(
    endpoint: Endpoint,
    role: str,
    position: str,
    admin_user: Any,
    make_person: Any,
    make_user: Any,
    api_client: Any,
) -> None:
    scene = Scene(admin_user, make_person, make_user)
    for record in endpoint.given:
        getattr(scene, record)
    path = endpoint.path(scene)
    body = endpoint.body(scene) if endpoint.body else None
    client = api_client(make_user(role, POSITIONS[position]))
    inside = INSIDE[position]
    expected = endpoint.rule(ROLE_PERMS[role], inside)
    before = state()

    response = getattr(client, endpoint.method)(path, body) if body is not None else client.get(path)

    assert response.status_code == expected, response.content
    if expected in (403, 404):
        assert response.json()["code"] == {403: "permission_denied", 404: "not_found"}[expected]
        assert state() == before
    elif endpoint.check is not None:
        endpoint.check(scene, response, inside)
    if endpoint.writes and expected in (200, 201) and endpoint.check is None:
        assert state() != before
