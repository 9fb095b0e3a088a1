"""Isolation API — home isolation (issue 6): households of the area with who needs attention first, registering
one (the whole household with the F1 under 5599), a household with its members' clocks, a member added, the end,
the door sign PDF; officers' daily checks of a stay; and the door sign's public check-in without an account
(`auth=None`: the token in the QR is the key, and it only reaches the active members of its own household)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.accounts.access import within_unit
from chihuy.api.isolation.schemas_homes import (
    CheckOut,
    CheckPage,
    CheckQuery,
    HomeDetailOut,
    HomeEndIn,
    HomeIn,
    HomePage,
    HomeQuery,
    MemberIn,
    OfficerCheckIn,
    PublicCheckIn,
    PublicCheckOut,
    PublicHomeOut,
)
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.errors import not_found_on as _on_field
from chihuy.core.pagination import keyset_page
from chihuy.isolation import doorsign
from chihuy.isolation import selectors as iso_selectors
from chihuy.isolation import selectors_homes as home_selectors
from chihuy.isolation.enums import CheckSource
from chihuy.isolation.models import HomeIsolation
from chihuy.isolation.services import homes as services
from chihuy.places.selectors import unit_get
from chihuy.response import isolation as response

router = Router(tags=["isolation: homes"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _renamed(exc: ApplicationError, names: dict[str, str]) -> ApplicationError:
    """The service names its arguments; the API's body names ids."""
    details = exc.details if isinstance(exc.details, list) else []
    fixed = [{**d, "field": names.get(str(d.get("field", "")), d.get("field"))} for d in details]
    return ApplicationError(exc.code, exc.message, fixed)


def _values(payload: Any) -> services.CheckValues:
    return services.CheckValues(
        temperature=payload.temperature,
        spo2=payload.spo2,
        symptoms=[str(s) for s in payload.symptoms],
        breathing_difficulty=payload.breathing_difficulty,
        note=payload.note,
    )


def _member(actor: Any, member: MemberIn, field: str) -> services.HomeMember:
    person = home_selectors.people_of(actor=actor, ids=[member.person_id]).get(member.person_id)
    if person is None:
        raise ApplicationError.field(
            f"{field}.person_id", _("Không tìm thấy người này trong địa bàn của bạn."), ErrorCode.NOT_FOUND
        )
    return services.HomeMember(
        person=person, cohort=member.cohort, cohort_on=member.cohort_on, fully_vaccinated=member.fully_vaccinated
    )


def _detail(home: HomeIsolation, skipped: list[str] | None = None) -> HomeIsolation:
    members = []
    for row in home_selectors.home_members(home=home):
        stay = row.stay
        members.append(
            {
                "stay_id": stay.pk,
                "person_id": stay.person_id,
                "person_name": stay.person.full_name,
                "kind": stay.kind,
                "cohort": stay.cohort,
                "status": stay.status,
                "cohort_on": stay.cohort_on,
                "clock_start_on": stay.clock_start_on,
                "release_on": stay.release_on,
                "test_days": stay.test_days,
                "day": row.day,
                "rule_source": stay.rule_source,
                "last_check_at": stay.last_check_at,
                "missed": row.missed,
                "transfer_proposed_at": stay.transfer_proposed_at,
                "transfer_reason": stay.transfer_reason,
                "last_check": row.last_check,
            }
        )
    home.members = members  # type: ignore[attr-defined]
    home.skipped = skipped or getattr(home, "skipped", [])  # type: ignore[attr-defined]
    return home


@router.get(
    "/homes",
    response=HomePage,
    summary="Hộ cách ly tại nhà trong địa bàn (dấu hiệu nguy hiểm, quá hạn khai báo lên trước)",
)
def list_homes(request: HttpRequest, query: Query[HomeQuery]) -> Any:
    actor = _actor(request)
    qs = home_selectors.home_rows(
        actor=actor,
        within=within_unit(actor, query.within_unit_id),
        status=query.status or "",
        attention=query.attention or "",
        q=query.q,
    )
    return keyset_page(qs, order=home_selectors.HOME_ORDER, cursor=query.cursor, limit=query.limit)


@router.post(
    "/homes",
    response={201: HomeDetailOut},
    summary="Đăng ký hộ cách ly tại nhà (cả hộ cách ly cùng F1 theo 5599; thời gian cách ly theo quy định hiện hành)",
)
def create_home(request: HttpRequest, payload: HomeIn) -> Any:
    actor = _actor(request)
    try:
        unit = unit_get(unit_id=payload.unit_id)
    except ApplicationError as exc:
        raise _on_field(exc, "unit_id", _("Không tìm thấy đơn vị.")) from exc
    household = None
    if payload.household_id is not None:
        household = home_selectors.household_get(actor=actor, household_id=payload.household_id)
        if household is None:
            raise ApplicationError.field(
                "household_id", _("Không tìm thấy hộ gia đình trong địa bàn của bạn."), ErrorCode.NOT_FOUND
            )
    members = [_member(actor, m, f"members[{i}]") for i, m in enumerate(payload.members)]
    officer = home_selectors.officer_get(officer_id=payload.officer_id)
    if officer is None:
        raise ApplicationError.field("officer_id", _("Không tìm thấy cán bộ phụ trách."), ErrorCode.NOT_FOUND)
    try:
        with transaction.atomic():
            home = services.home_register(
                actor=actor,
                unit=unit,
                address=payload.address,
                household=household,
                members=members,
                officer=officer,
                team=payload.team,
                team_phone=payload.team_phone,
            )
            response.stays_admitted(actor=actor, stays=home.admitted)  # type: ignore[attr-defined]
    except ApplicationError as exc:
        raise _renamed(exc, {"unit": "unit_id", "officer": "officer_id", "household": "household_id"}) from exc
    skipped = list(getattr(home, "skipped", []))
    return Status(201, _detail(iso_selectors.home_get(actor=actor, home_id=home.pk), skipped))


@router.get("/homes/{int:home_id}", response=HomeDetailOut, summary="Một hộ cách ly tại nhà và người cách ly")
def get_home(request: HttpRequest, home_id: int) -> Any:
    return _detail(iso_selectors.home_get(actor=_actor(request), home_id=home_id))


@router.post("/homes/{int:home_id}/members", response={201: HomeDetailOut}, summary="Thêm người cách ly cùng hộ")
def add_member(request: HttpRequest, home_id: int, payload: MemberIn) -> Any:
    actor = _actor(request)
    home = iso_selectors.home_get(actor=actor, home_id=home_id)
    member = _member(actor, payload, "member")
    try:
        with transaction.atomic():
            stay = services.home_member_add(actor=actor, home=home, member=member)
            response.stays_admitted(actor=actor, stays=[stay])
    except ApplicationError as exc:
        raise _renamed(exc, {"person": "person_id"}) from exc
    return Status(201, _detail(iso_selectors.home_get(actor=actor, home_id=home_id)))


@router.post(
    "/homes/{int:home_id}/end",
    response=HomeDetailOut,
    summary="Kết thúc cách ly của hộ (khi mọi người trong hộ đã kết thúc lượt cách ly)",
)
def end_home(request: HttpRequest, home_id: int, payload: HomeEndIn) -> Any:
    actor = _actor(request)
    home = iso_selectors.home_get(actor=actor, home_id=home_id)
    services.home_end(actor=actor, home=home, reason=payload.reason)
    return _detail(iso_selectors.home_get(actor=actor, home_id=home_id))


@router.get(
    "/homes/{int:home_id}/doorsign.pdf",
    response={200: None},
    summary="Biển báo cách ly dán cửa (PDF A4, nền đỏ chữ vàng, mã QR khai báo y tế hằng ngày)",
)
def home_doorsign(request: HttpRequest, home_id: int) -> Any:
    home = iso_selectors.home_get(actor=_actor(request), home_id=home_id)
    url = request.build_absolute_uri(reverse("web:isolation_checkin_public", args=[home.token]))
    try:
        pdf = doorsign.doorsign_pdf(home, url)
    except doorsign.PdfUnavailable:
        return HttpResponse(_("Máy chủ chưa cài thư viện Pango."), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-bao-{home.code}.pdf"'
    return response


@router.get(
    "/stays/{int:stay_id}/checkins",
    response=CheckPage,
    summary="Khai báo y tế hằng ngày của một lượt cách ly (mới nhất trước)",
)
def list_checkins(request: HttpRequest, stay_id: int, query: Query[CheckQuery]) -> Any:
    actor = _actor(request)
    stay = iso_selectors.stay_get(actor=actor, stay_id=stay_id)
    qs = home_selectors.stay_checks(actor=actor, stay=stay)
    return keyset_page(qs, order=["-at", "-id"], cursor=query.cursor, limit=query.limit)


@router.post(
    "/stays/{int:stay_id}/checkins",
    response={201: CheckOut},
    summary="Cán bộ ghi nhận khai báo y tế (gọi điện, đến nhà); dấu hiệu nguy hiểm → đề xuất chuyển điều trị",
)
def create_checkin(request: HttpRequest, stay_id: int, payload: OfficerCheckIn) -> Any:
    actor = _actor(request)
    stay = iso_selectors.stay_get(actor=actor, stay_id=stay_id)
    check = services.checkin_record(actor=actor, stay=stay, source=CheckSource(payload.source), values=_values(payload))
    return Status(201, check)


@router.get(
    "/public/checkins/{token}",
    auth=None,
    response=PublicHomeOut,
    summary="Công khai (mã QR trên biển báo): hộ cách ly và tên những người đang cách ly để chọn khi khai báo",
)
def public_home(request: HttpRequest, token: str) -> Any:
    home = services.home_by_token(token)
    return {
        "code": home.code,
        "address": home.address,
        "phone": services.commune_phone(home),
        "members": [{"id": s.pk, "name": s.person.full_name} for s in home_selectors.public_members(home)],
    }


@router.post(
    "/public/checkins/{token}",
    auth=None,
    response={201: PublicCheckOut},
    summary="Công khai (mã QR trên biển báo): người cách ly tự khai báo y tế hằng ngày, không cần tài khoản",
)
def public_checkin(request: HttpRequest, token: str, payload: PublicCheckIn) -> Any:
    check = services.public_checkin(token=token, stay_id=payload.member_id, values=_values(payload))
    home = services.home_by_token(token)
    return Status(
        201,
        {
            "received_at": check.at,
            "danger": check.danger,
            "danger_reasons": check.danger_reasons,
            "call": (services.commune_phone(home) or "115") if check.danger else None,
        },
    )
