"""Services of the cases domain: F1 rules by date, bad input, jurisdiction, cross-unit contacts, tracing and the
5S clock, itineraries and notices, clusters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from chihuy.accounts.roles import Role
from chihuy.cases import selectors, services
from chihuy.cases.enums import CaseStatus, ClusterStatus, NoticeStatus, Setting, TraceStatus
from chihuy.cases.models import Case, Classification, Contact, ExposureNotice
from chihuy.core.errors import ApplicationError, ErrorCode
from tests.cases.conftest import at
from tests.conftest import BAN_GIANG, BINH_LU, MUONG_SO, TAM_DUONG


def errors_of(exc: pytest.ExceptionInfo[ApplicationError]) -> tuple[str, list[str]]:
    return exc.value.code, [d["field"] for d in exc.value.details if isinstance(d, dict)]


# --- F1 rules ------------------------------------------------------------------------------------


def test_household_member_is_f1_automatically_before_29_12_2021(make_person: Any, report: Any, expose: Any) -> None:
    f0, member = make_person(full_name="Lò Văn Một"), make_person(full_name="Lò Thị Hai")
    report(f0)

    contact = expose(f0, member, setting=Setting.HOUSEHOLD, distance_m=None, masked=None)

    assert contact.qualifies is True
    assert "hộ gia đình" in contact.qualify_reason and "3638" in contact.qualify_reason


def test_after_11042_a_household_member_needs_the_distance_rule(make_person: Any, officer: Any) -> None:
    with time_machine.travel(dt.datetime(2022, 1, 10, 9, tzinfo=dt.UTC), tick=False):
        f0, member = make_person(full_name="Lò Văn Một"), make_person(full_name="Lò Thị Hai")
        services.case_report(
            actor=officer,
            person=f0,
            detection_way="community",
            detected_at=dt.datetime(2022, 1, 9, 9, tzinfo=dt.UTC),
            sample_date=dt.date(2022, 1, 8),
        )
        contact = services.contact_add(
            actor=officer,
            source_person=f0,
            contact_person=member,
            setting=Setting.HOUSEHOLD,
            exposure_at=dt.datetime(2022, 1, 8, 9, tzinfo=dt.UTC),
        )

    assert contact.qualifies is False
    assert "khoảng cách" in contact.qualify_reason
    assert Classification.objects.filter(person=member).count() == 0


@pytest.mark.parametrize(
    ("values", "qualifies", "words"),
    [
        ({"masked": True, "duration_minutes": 20, "distance_m": 1.5}, True, "20 phút"),
        ({"masked": True, "duration_minutes": 10, "distance_m": 1.5}, False, "< 15 phút"),
        ({"masked": False, "distance_m": 3}, False, "lớn hơn 2 m"),
        ({"physical_contact": True, "distance_m": None, "masked": True}, True, "trực tiếp"),
    ],
)
def test_distance_mask_and_duration_decide_f1_and_say_why(
    make_person: Any, report: Any, expose: Any, values: dict[str, Any], qualifies: bool, words: str
) -> None:
    f0, other = make_person(full_name="Lò Văn Một"), make_person(full_name="Lò Văn Hai")
    report(f0)

    contact = expose(f0, other, **values)

    assert contact.qualifies is qualifies
    assert words in contact.qualify_reason


def test_exposure_outside_the_infectious_window_does_not_make_an_f1(make_person: Any, report: Any, expose: Any) -> None:
    f0, other = make_person(full_name="Lò Văn Một"), make_person(full_name="Lò Văn Hai")
    case = report(f0, sample_date=dt.date(2021, 11, 7))  # window from 5/11

    contact = expose(f0, other, exposure_at=at(3))

    assert case.infectious_from == dt.date(2021, 11, 5)
    assert contact.qualifies is False
    assert "ngoài thời kỳ lây truyền" in contact.qualify_reason


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"sample_date": dt.date(2021, 11, 9)}, "sample_date"),  # sample after the positive result
        ({"onset_date": dt.date(2021, 11, 6), "asymptomatic": True}, "onset_date"),
        ({"detected_at": at(12)}, "detected_at"),  # in the future
        ({"sample_date": None}, "sample_date"),
        ({"ct_value": 60.0}, "ct_value"),
        ({"detection_way": "somewhere"}, "detection_way"),
    ],
)
def test_a_report_with_bad_dates_names_the_field_and_writes_nothing(
    make_person: Any, report: Any, values: dict[str, Any], field: str
) -> None:
    person = make_person()
    with pytest.raises(ApplicationError) as exc:
        report(person, **values)
    assert errors_of(exc) == (ErrorCode.VALIDATION, [field])
    assert Case.objects.count() == 0


def test_death_before_onset_is_refused(make_person: Any, report: Any, officer: Any) -> None:
    case = report(make_person(), onset_date=dt.date(2021, 11, 6))
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(actor=officer, case=case, to=CaseStatus.DIED, died_on=dt.date(2021, 11, 5))
    assert errors_of(exc)[1] == ["onset_date"]
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE


def test_a_person_is_not_reported_twice_while_active_and_numbers_run(make_person: Any, report: Any) -> None:
    person = make_person()
    first = report(person)
    with pytest.raises(ApplicationError) as exc:
        report(person)
    assert exc.value.code == ErrorCode.CONFLICT
    assert first.number == "CH000001"
    assert report(make_person(full_name="Tòng Văn Hai")).number == "CH000002"


def test_ruled_out_is_final(make_person: Any, report: Any, officer: Any) -> None:
    case = report(make_person())
    services.case_transition(actor=officer, case=case, to=CaseStatus.RULED_OUT, rule_out_reason="data_error")
    with pytest.raises(ApplicationError) as exc:
        services.case_transition(actor=officer, case=case, to=CaseStatus.RECOVERED)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION


def test_infector_links_never_form_a_cycle(make_person: Any, report: Any, officer: Any) -> None:
    a = report(make_person(full_name="Lò Văn Một"))
    b = report(make_person(full_name="Lò Văn Hai"), source_case_ids=[a.pk])
    c = report(make_person(full_name="Lò Văn Ba"), source_case_ids=[b.pk])
    with pytest.raises(ApplicationError) as exc:
        services.case_set_sources(actor=officer, case=a, source_case_ids=[c.pk])
    assert "vòng lặp" in exc.value.message
    assert selectors.case_sources(a) == ([], [b])


def test_contact_with_oneself_and_repeated_contacts_are_refused(make_person: Any, report: Any, expose: Any) -> None:
    f0, other = make_person(full_name="Lò Văn Một"), make_person(full_name="Lò Văn Hai")
    report(f0)
    with pytest.raises(ApplicationError) as exc:
        expose(f0, f0)
    assert errors_of(exc)[1] == ["contact_person"]
    expose(f0, other)
    with pytest.raises(ApplicationError) as exc:
        expose(f0, other)
    assert exc.value.code == ErrorCode.CONFLICT
    assert Contact.objects.count() == 1


def test_exposure_after_the_contacts_own_isolation_is_refused(
    make_person: Any, report: Any, expose: Any, officer: Any
) -> None:
    f0, a, b = (make_person(full_name=n) for n in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba"))
    report(f0)
    expose(f0, a, exposure_at=at(6))
    services.trace_attempt_record(
        actor=officer, classification=Classification.objects.get(person=a), outcome=TraceStatus.QUARANTINED
    )  # isolated at 10/11 09:00 (the pinned clock)
    report(b)
    with pytest.raises(ApplicationError) as exc:
        expose(b, a, exposure_at=at(10, hour=10))
    assert errors_of(exc)[1] == ["exposure_at"]


# --- jurisdiction and other units ---------------------------------------------------------------


def test_an_officer_cannot_report_a_person_of_another_commune(make_person: Any, make_user: Any) -> None:
    person = make_person(unit_path=MUONG_SO)
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    with pytest.raises(ApplicationError) as exc:
        services.case_report(
            actor=officer, person=person, detection_way="community", detected_at=at(8), sample_date=at(7).date()
        )
    assert exc.value.code == ErrorCode.NOT_FOUND
    assert Case.objects.count() == 0


def test_a_report_is_visible_at_once_to_every_level_above_and_not_beside(
    make_person: Any, report: Any, make_user: Any
) -> None:
    case = report(make_person())
    for path in (BAN_GIANG, TAM_DUONG, "12/"):
        assert selectors.case_get(actor=make_user(Role.COMMANDER, path), case_id=case.pk) == case
    for path in (BINH_LU, MUONG_SO):
        with pytest.raises(ApplicationError) as exc:
            selectors.case_get(actor=make_user(Role.COMMANDER, path), case_id=case.pk)
        assert exc.value.code == ErrorCode.NOT_FOUND


def test_a_contact_living_in_another_commune_lands_in_that_communes_queue_with_minimum_data(
    make_person: Any, report: Any, expose: Any, make_user: Any
) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    elsewhere = make_person(full_name="Tòng Thị Bình Lư", unit_path=BINH_LU)
    case = report(f0)
    expose(f0, elsewhere)
    binh_lu = make_user(Role.TRACER, BINH_LU)

    queue = selectors.tracing_queue(actor=binh_lu).items
    assert [c.person_id for c in queue] == [elsewhere.pk]
    steps = selectors.level_path(actor=binh_lu, classification=queue[0])
    assert [s.label for s in steps] == ["F0 (ngoài địa bàn)", "Tòng Thị Bình Lư"]
    assert queue[0].root_case_id == case.pk
    # both units see the contact edge; Bản Giang's queue has it too (district sees both)
    assert selectors.contacts_of(actor=make_user(Role.TRACER, BAN_GIANG), person=f0)[0].contact_person == elsewhere
    assert selectors.contact_visible_qs(binh_lu).count() == 1


# --- tracing, the 5S clock ----------------------------------------------------------------------


def test_reaching_and_isolating_every_f1_stamps_the_5s_clock(
    make_person: Any, report: Any, expose: Any, officer: Any
) -> None:
    f0, a, b = (make_person(full_name=n) for n in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba"))
    case = report(f0)
    expose(f0, a)
    expose(f0, b)
    rows = {r.person_id: r for r in Classification.objects.filter(level=1)}

    services.trace_attempt_record(actor=officer, classification=rows[a.pk], outcome=TraceStatus.UNREACHABLE)
    services.trace_attempt_record(actor=officer, classification=rows[b.pk], outcome=TraceStatus.HOME_ISOLATION)
    case.refresh_from_db()
    assert case.tracing_done_at is None

    services.trace_attempt_record(actor=officer, classification=rows[a.pk], outcome=TraceStatus.QUARANTINED)
    case.refresh_from_db()
    assert case.tracing_done_at is not None and case.f1_isolated_at is not None
    assert [c.trace_status for c in selectors.tracing_queue(actor=officer).items] == []
    assert rows[a.pk].attempts.count() == 2


def test_overdue_steps_and_medians(make_person: Any, report: Any, expose: Any, officer: Any) -> None:
    f0, a = make_person(full_name="Lò Văn Một"), make_person(full_name="Lò Văn Hai")
    case = report(f0, detected_at=at(9, hour=8))
    expose(f0, a)
    with time_machine.travel(at(11, hour=12), tick=False):
        overdue = selectors.fives_overdue(actor=officer)
        medians = selectors.fives_medians(actor=officer, days=7)
    # reported 10/11 09:00; tracing, isolation and treatment targets are 24 h: all three 3 h late at 11/11 12:00
    assert [(o.case.pk, o.step, o.hours_late) for o in overdue] == [
        (case.pk, "tracing", 3.0),
        (case.pk, "isolation", 3.0),
        (case.pk, "treatment", 3.0),
    ]
    assert medians["report"] == {"median_hours": 25.0, "done": 1, "cases": 1}
    assert medians["tracing"]["median_hours"] is None


# --- itinerary and notices ----------------------------------------------------------------------


def test_itinerary_outside_the_window_is_refused_and_notices_publish_only_when_approved(
    make_person: Any, report: Any, officer: Any, make_user: Any
) -> None:
    case = report(make_person(full_name="Lò Văn Một"))
    with pytest.raises(ApplicationError) as exc:
        services.itinerary_add(actor=officer, case=case, place="Chợ Bản Giang", start_at=at(1), end_at=at(1, 10))
    assert errors_of(exc)[1] == ["start_at"]
    stop = services.itinerary_add(
        actor=officer, case=case, place="Chợ Bản Giang", address="Bản Giang", start_at=at(6, 7), end_at=at(6, 9)
    )
    notice = services.notice_draft(actor=officer, case=case, title="Chợ Bản Giang sáng 6/11", stop_ids=[stop.pk])
    assert selectors.public_notices() == []
    with pytest.raises(ApplicationError) as denied:
        services.notice_transition(actor=officer, notice=notice, to=NoticeStatus.APPROVED)
    assert denied.value.code == ErrorCode.PERMISSION_DENIED

    services.notice_transition(actor=make_user(Role.COMMANDER, TAM_DUONG), notice=notice, to=NoticeStatus.APPROVED)

    published = selectors.public_notices()
    assert [n.title for n in published] == ["Chợ Bản Giang sáng 6/11"]
    assert published[0].items == [
        {
            "place": "Chợ Bản Giang",
            "address": "Bản Giang",
            "start_at": "2021-11-06T07:00:00+07:00",
            "end_at": "2021-11-06T09:00:00+07:00",
        }
    ]
    assert "Lò Văn Một" not in str(published[0].items) and case.number not in str(published[0].items)
    assert ExposureNotice.objects.get().approved_at is not None


# --- clusters -----------------------------------------------------------------------------------


def test_clusters_close_after_the_policy_days_and_suggestions_group_shared_sources(
    make_person: Any, report: Any, officer: Any, commune: Any
) -> None:
    source = report(make_person(full_name="Lò Văn Một"))
    b = report(make_person(full_name="Lò Văn Hai"), source_case_ids=[source.pk])
    c = report(make_person(full_name="Lò Văn Ba"), source_case_ids=[source.pk])

    suggestions = selectors.cluster_suggestions(actor=officer)
    assert [(s.kind, s.case_ids) for s in suggestions] == [("source_case", sorted([source.pk, b.pk, c.pk]))]

    cluster = services.cluster_create(
        actor=officer, name="Ổ dịch Bản Giang", unit=commune, kind="source_case", case_ids=suggestions[0].case_ids
    )
    assert cluster.last_case_on == dt.date(2021, 11, 8)
    assert services.cluster_close_stale(on=dt.date(2021, 12, 5)) == []  # 27 days
    assert services.cluster_close_stale(on=dt.date(2021, 12, 7)) == [cluster.pk]
    cluster.refresh_from_db()
    assert (cluster.status, cluster.closed_on) == (ClusterStatus.CLOSED, dt.date(2021, 12, 7))


# --- line lists ---------------------------------------------------------------------------------

LINES = (
    "ho_ten\tso_dien_thoai\tnam_sinh\tquan_he\tboi_canh\tthoi_diem_tiep_xuc\tkhoang_cach_m\tdeo_khau_trang\n"
    "Lò Thị Hoa\t0912345678\t1990\tvợ\thộ gia đình\t07/11/2021 19:00\t\t\n"
    "Tòng Văn Sáng\t\t1985\tđồng nghiệp\tnơi làm việc\t07/11/2021 08:00\t1\tkhông\n"
    "Vàng A Páo\t\t1979\tkhách\tchợ\t06/11/2021 08:00\t1,5\tcó\n"
)


def test_a_pasted_line_list_creates_contacts_and_people(make_person: Any, report: Any, officer: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    report(f0)

    result = services.contacts_import(actor=officer, source_person=f0, data=LINES.encode(), filename="paste.csv")

    assert result.as_dict() == {"created": 3, "qualified": 2, "new_people": 3, "matched_people": 0, "errors": []}
    levels = dict(Classification.objects.values_list("person__full_name", "level"))
    assert levels == {"Lò Văn Một": 0, "Lò Thị Hoa": 1, "Tòng Văn Sáng": 1}


def test_a_bad_row_in_a_line_list_names_row_and_column_and_writes_nothing(
    make_person: Any, report: Any, officer: Any
) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    report(f0)
    bad = LINES + "Hờ A Chứ\t09123\t1970\tbạn\tquán ăn\t32/11/2021\t1\tcó\n"
    people_before = Contact.objects.count(), Classification.objects.count()

    result = services.contacts_import(actor=officer, source_person=f0, data=bad.encode(), filename="paste.csv")

    assert [(e.row, e.column) for e in result.errors] == [(5, "so_dien_thoai"), (5, "thoi_diem_tiep_xuc")]
    assert result.created == []
    assert (Contact.objects.count(), Classification.objects.count()) == people_before
