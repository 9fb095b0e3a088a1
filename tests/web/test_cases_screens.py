"""The 5S screens: case list, F0 report, case page (contacts one by one and pasted, status, itinerary, notice),
F-level page, tracing queue, notices and the public page. Each renders for the own unit, answers 404 for
another district's record and 403 without the permission; lists keep a flat query count."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from chihuy.accounts.roles import Role
from chihuy.cases import selectors, services
from chihuy.cases.enums import CaseStatus, DetectionWay, NoticeStatus, Setting, TraceStatus
from chihuy.cases.models import Case, Classification, Contact, ExposureNotice, ItineraryStop
from chihuy.cases.services.contacts import LINE_COLUMNS
from chihuy.people.models import Person
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, MUONG_SO, session_client

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 11, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2021, 11, day, hour, 0))


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.HEALTH_OFFICER, BAN_GIANG)


@pytest.fixture
def report(officer: Any) -> Callable[..., Case]:
    def make(person: Any, actor: Any = None, **values: Any) -> Case:
        values.setdefault("detection_way", DetectionWay.COMMUNITY)
        values.setdefault("detected_at", at(8))
        values.setdefault("sample_date", dt.date(2021, 11, 7))
        return services.case_report(actor=actor or officer, person=person, **values)

    return make


@pytest.fixture
def stranger_case(make_user: Callable[..., Any], make_person: Callable[..., Any], report: Any) -> Case:
    """A case of Mường So, Phong Thổ: another district."""
    other = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    return report(make_person(full_name="Giàng A Xà", unit_path=MUONG_SO), actor=other)


def _contact(officer: Any, source: Any, person: Any, **values: Any) -> Contact:
    values.setdefault("exposure_at", at(7))
    values.setdefault("setting", Setting.WORKPLACE)
    values.setdefault("distance_m", 1)
    values.setdefault("masked", False)
    return services.contact_add(actor=officer, source_person=source, contact_person=person, **values)


# --- case list ------------------------------------------------------------------------------------


def test_case_list_flags_unknown_source_and_filters(officer: Any, make_person: Any, report: Any) -> None:
    unknown = report(make_person(full_name="Lò Văn Một"))
    known = report(make_person(full_name="Lò Văn Hai"), source_case_ids=[unknown.pk])
    client = session_client(officer)

    response = client.get("/cases/")
    html = response.content.decode()
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].items] == [known.pk, unknown.pk]
    assert html.count("Không rõ nguồn lây") == 1
    assert 'href="/cases/report/"' in html and 'href="/tracing/"' in html and 'href="/notices/"' in html
    assert 'href="/fives/"' in html and 'href="/clusters/"' in html

    only_unknown = client.get("/cases/", {"unknown": "1"})
    assert [c.pk for c in only_unknown.context["page"].items] == [unknown.pk]
    ruled = client.get("/cases/", {"status": CaseStatus.RULED_OUT})
    assert ruled.context["page"].items == []
    assert "Không có ca nào khớp bộ lọc" in ruled.content.decode()


def test_empty_case_list_says_so_and_nav_links_it(officer: Any) -> None:
    response = session_client(officer).get("/cases/")
    html = response.content.decode()
    assert 'id="cases-empty"' in html and "Chưa có ca F0 nào" in html
    assert 'href="/cases/" data-area="cases"' in html


def test_the_import_link_shows_only_with_the_import_permission(make_user: Any) -> None:
    assert (
        'href="/cases/import/" id="case-import"'
        in session_client(make_user("health_officer")).get("/cases/").content.decode()
    )
    assert 'id="case-import"' not in session_client(make_user("tracer")).get("/cases/").content.decode()


def test_case_list_query_count_does_not_grow_with_rows(
    officer: Any, make_person: Any, report: Any, django_assert_max_num_queries: Any
) -> None:
    client = session_client(officer)
    report(make_person(full_name="Lò Văn Đầu"))
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    for i in range(12):
        report(make_person(full_name=f"Lò Văn Số {i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/cases/")
    assert len(response.context["page"].items) == 13


def test_role_without_case_view_gets_403(make_user: Any) -> None:
    lab = session_client(make_user(Role.LAB_TECHNICIAN, BAN_GIANG))
    for url in ["/cases/", "/tracing/", "/notices/"]:
        assert lab.get(url).status_code == 403, url
    analyst = session_client(make_user(Role.ANALYST, BAN_GIANG))
    assert analyst.get("/cases/").status_code == 200
    assert analyst.get("/cases/report/").status_code == 403


# --- report --------------------------------------------------------------------------------------


def _report_data(**values: Any) -> dict[str, Any]:
    data = {
        "person": "",
        "full_name": "Lò Thị Mai",
        "birth_year": "1990",
        "sex": "F",
        "phone": "0912345678",
        "national_id": "",
        "unit": str(Unit.objects.get(path=BAN_GIANG).pk),
        "address_text": "",
        "detection_way": DetectionWay.COMMUNITY,
        "detected_at": "2021-11-09T15:30",
        "sample_date": "2021-11-09",
        "onset_date": "",
        "test_type": "rt_pcr",
        "result_ref": "PCR-123",
        "ct_value": "22.5",
        "place_detected": "Trạm y tế xã",
        "source_numbers": "",
        "cluster": "",
        "clinical_state": "mild",
        "treatment_place": "",
    }
    data.update(values)
    return data


def test_report_form_creates_the_person_and_the_case(officer: Any) -> None:
    response = session_client(officer).post("/cases/report/", _report_data())

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.person is not None
    assert (case.person.full_name, case.person.birth_year, case.person.unit_path) == ("Lò Thị Mai", 1990, BAN_GIANG)
    assert case.detected_at == at(9, 15) + dt.timedelta(minutes=30)
    assert (case.ct_value, case.result_ref, case.source_known) == (22.5, "PCR-123", False)
    assert case.infectious_from == dt.date(2021, 11, 7)
    assert Classification.objects.get(person=case.person).level == 0


def test_report_with_source_numbers_links_the_chain_and_names_the_field_on_error(
    officer: Any, make_person: Any, report: Any
) -> None:
    source = report(make_person(full_name="Lò Văn Nguồn"))
    client = session_client(officer)

    bad = client.post("/cases/report/", _report_data(source_numbers=f"{source.number}, BN999"))
    assert bad.status_code == 200
    assert bad.context["form"].errors["source_numbers"] == ["Không tìm thấy ca “BN999” trong địa bàn của bạn."]
    assert Case.objects.count() == 1 and not Person.objects.filter(full_name="Lò Thị Mai").exists()

    good = client.post("/cases/report/", _report_data(source_numbers=source.number.lower()))
    case = Case.objects.exclude(pk=source.pk).get()
    assert good["Location"] == f"/cases/{case.pk}/"
    assert selectors.case_sources(case) == ([source], [])
    assert case.source_known is True


def test_report_an_existing_person_preselected(officer: Any, make_person: Any) -> None:
    person = make_person(full_name="Lò Văn Có Sẵn", birth_year=1980)
    client = session_client(officer)
    page = client.get("/cases/report/", {"person": person.pk})
    assert page.status_code == 200
    assert f'value="{person.pk}" id="pick-{person.pk}" checked' in page.content.decode()

    response = client.post("/cases/report/", _report_data(person=str(person.pk), full_name=""))
    assert response.status_code == 302
    assert Case.objects.get().person == person
    assert Person.objects.count() == 1


def test_report_errors_sit_beside_their_fields(officer: Any) -> None:
    response = session_client(officer).post(
        "/cases/report/", _report_data(sample_date="", onset_date="", full_name="", ct_value="60")
    )
    form = response.context["form"]
    assert form.errors["person"] == ["Chọn một người đã có, hoặc nhập họ tên người mới."]
    assert Case.objects.count() == 0
    response = session_client(officer).post("/cases/report/", _report_data(sample_date="", ct_value="60"))
    assert response.context["form"].errors["ct_value"] == ["Giá trị Ct phải trong khoảng 0–45."]
    assert Case.objects.count() == 0 and Person.objects.count() == 0  # the new person went back with the case


def test_person_picker_searches_the_area(officer: Any, make_person: Any) -> None:
    wanted = make_person(full_name="Nguyễn Văn A", birth_year=1985)
    make_person(full_name="Nguyễn Văn A", birth_year=1985, unit_path=MUONG_SO)
    response = session_client(officer).get("/cases/pick-person/", {"q": "nguyen van a"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.count('name="person"') == 1
    assert f'value="{wanted.pk}"' in html


# --- case page -----------------------------------------------------------------------------------


def test_case_page_shows_contacts_with_level_and_why(officer: Any, make_person: Any, report: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    case = report(f0)
    near = make_person(full_name="Lò Thị Gần")
    far = make_person(full_name="Lò Thị Xa")
    _contact(officer, f0, near)
    _contact(officer, f0, far, distance_m=5)

    response = session_client(officer).get(f"/cases/{case.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    rows = {r["contact"].contact_person.full_name: r for r in response.context["contact_rows"]}
    assert (rows["Lò Thị Gần"]["level"], rows["Lò Thị Xa"]["level"]) == (1, None)
    assert "Không đeo khẩu trang, trong vòng 2 m" in html
    assert "Khoảng cách 5 m lớn hơn 2 m" in html
    assert 'id="infectious-window"' in html and "từ 05/11/2021" in html
    assert [s["key"] for s in response.context["fives"]] == ["detected", "report", "tracing", "isolation", "treatment"]
    assert response.context["fives"][1]["done"] == case.reported_at


def test_case_of_another_district_is_404_everywhere(officer: Any, stranger_case: Case) -> None:
    client = session_client(officer)
    classification = Classification.objects.get(person=stranger_case.person)
    assert client.get(f"/cases/{stranger_case.pk}/").status_code == 404
    assert client.get(f"/tracing/{classification.pk}/").status_code == 404
    assert client.post(f"/cases/{stranger_case.pk}/status/", {"to": "recovered"}).status_code == 404
    assert client.post(f"/cases/{stranger_case.pk}/contacts/import/", {"text": "ho_ten\nA"}).status_code == 404
    assert Case.objects.get(pk=stranger_case.pk).status == CaseStatus.ACTIVE


def test_add_one_contact_as_a_new_person(officer: Any, make_person: Any, report: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    case = report(f0)
    data = {
        "person": "",
        "full_name": "Lò Văn Con",
        "birth_year": "2010",
        "sex": "M",
        "unit": str(f0.unit_id),
        "setting": Setting.HOUSEHOLD,
        "relation": "con",
        "exposure_at": "2021-11-07T19:00",
        "masked": "",
    }
    response = session_client(officer).post(f"/cases/{case.pk}/contacts/", data)
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.contact_person.full_name == "Lò Văn Con"
    assert contact.qualifies is True
    assert "Sống cùng hộ gia đình" in contact.qualify_reason
    assert Classification.objects.get(person=contact.contact_person).level == 1


def test_add_contact_error_sits_beside_the_field(officer: Any, make_person: Any, report: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    case = report(f0)
    data = {"person": str(f0.pk), "setting": Setting.HOUSEHOLD, "exposure_at": "2021-11-07T19:00"}
    response = session_client(officer).post(f"/cases/{case.pk}/contacts/", data)
    assert response.status_code == 200
    assert response.context["contact_form"].errors["person"] == ["Một người không thể là tiếp xúc của chính mình."]
    assert Contact.objects.count() == 0


PASTE_HEADER = "ho_ten\tnam_sinh\tso_dien_thoai\tquan_he\tboi_canh\tthoi_diem_tiep_xuc\tkhoang_cach_m\tdeo_khau_trang"


def _paste(rows: list[str]) -> str:
    return "\n".join([PASTE_HEADER, *rows])


def test_paste_creates_every_contact(officer: Any, make_person: Any, report: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    case = report(f0)
    rows = [
        "Lò Thị Vợ\t1985\t0912000001\tvợ\thộ gia đình\t07/11/2021 19:00\t\t",
        "Lò Văn Bạn\t1990\t0912000002\tđồng nghiệp\tnơi làm việc\t07/11/2021 10:00\t1\tkhông",
        "Lò Văn Xa\t1991\t0912000003\tđồng nghiệp\tnơi làm việc\t07/11/2021 10:00\t5\tcó",
    ]
    response = session_client(officer).post(f"/cases/{case.pk}/contacts/import/", {"text": _paste(rows)})
    assert response.status_code == 302
    contacts = {c.contact_person.full_name: c for c in Contact.objects.select_related("contact_person")}
    assert sorted(contacts) == ["Lò Thị Vợ", "Lò Văn Bạn", "Lò Văn Xa"]
    assert [contacts[n].qualifies for n in ("Lò Thị Vợ", "Lò Văn Bạn", "Lò Văn Xa")] == [True, True, False]
    assert Classification.objects.filter(level=1).count() == 2


def test_a_bad_pasted_row_names_its_row_and_writes_nothing(officer: Any, make_person: Any, report: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    case = report(f0)
    people_before = Person.objects.count()
    rows = [
        "Lò Thị Vợ\t1985\t0912000001\tvợ\thộ gia đình\t07/11/2021 19:00\t\t",
        "Lò Văn Sai\t1990\t0912000002\tbạn\tsân bóng\t07/11/2021 10:00\t1\tkhông",
    ]
    response = session_client(officer).post(f"/cases/{case.pk}/contacts/import/", {"text": _paste(rows)})
    assert response.status_code == 200
    errors = response.context["paste_report"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "boi_canh")]
    html = response.content.decode()
    assert '<td class="error-row">3</td><td class="error-column">boi_canh</td>' in html
    assert Contact.objects.count() == 0
    assert Person.objects.count() == people_before


def test_contacts_template_has_the_line_columns(officer: Any) -> None:
    response = session_client(officer).get("/cases/contacts/mau.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == LINE_COLUMNS


def test_ruling_out_from_the_case_page(officer: Any, make_user: Any, make_person: Any, report: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    case = report(f0)
    client = session_client(officer)
    missing = client.post(f"/cases/{case.pk}/status/", {"to": "ruled_out"})
    assert missing.status_code == 200
    assert "Chọn lý do loại trừ." in missing.content.decode()
    response = client.post(
        f"/cases/{case.pk}/status/", {"to": "ruled_out", "rule_out_reason": "data_error", "reason": "trùng"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.status_reason) == (CaseStatus.RULED_OUT, "Nhập sai dữ liệu: trùng")
    assert (
        session_client(make_user(Role.TRACER, BAN_GIANG)).post(f"/cases/{case.pk}/status/", {"to": "died"}).status_code
        == 403
    )


# --- F-level page and tracing queue --------------------------------------------------------------


def test_classification_page_shows_path_history_and_records_an_attempt(
    officer: Any, make_person: Any, report: Any
) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    case = report(f0)
    f1 = make_person(full_name="Lò Văn Hai")
    f2 = make_person(full_name="Lò Văn Ba")
    _contact(officer, f0, f1)
    _contact(officer, f1, f2)
    row = Classification.objects.get(person=f2)
    client = session_client(officer)

    response = client.get(f"/tracing/{row.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert [s.label for s in response.context["path"]] == ["Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba"]
    assert f'<a href="/cases/{case.pk}/">{case.number}</a>' in html
    assert [(h.from_level, h.to_level) for h in response.context["history"]] == [(None, 2)]

    done = client.post(f"/tracing/{row.pk}/attempt/", {"outcome": TraceStatus.HOME_ISOLATION, "note": "đã gọi"})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.trace_status == TraceStatus.HOME_ISOLATION
    assert row.attempts.get().note == "đã gọi"


def test_tracing_queue_lists_f1_first_and_records_an_outcome_inline(
    officer: Any, make_person: Any, report: Any
) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    report(f0)
    f1 = make_person(full_name="Lò Văn Hai", phone="0912000009")
    f2 = make_person(full_name="Lò Văn Ba")
    _contact(officer, f0, f1)
    _contact(officer, f1, f2)
    client = session_client(officer)

    response = client.get("/tracing/")
    html = response.content.decode()
    assert [r["item"].person.full_name for r in response.context["rows"]] == ["Lò Văn Hai", "Lò Văn Ba"]
    assert 'href="tel:0912000009"' in html
    only_f2 = client.get("/tracing/", {"level": "2"})
    assert [r["item"].person.full_name for r in only_f2.context["rows"]] == ["Lò Văn Ba"]

    row = Classification.objects.get(person=f1)
    inline = client.post(
        f"/tracing/{row.pk}/attempt/", {"outcome": TraceStatus.REACHED}, headers={"HX-Request": "true"}
    )
    fragment = inline.content.decode()
    assert fragment.lstrip().startswith("<tr") and "<html" not in fragment
    assert "Đã liên hệ" in fragment
    assert Classification.objects.get(person=f1).trace_status == TraceStatus.REACHED
    assert [r["item"].person.full_name for r in client.get("/tracing/").context["rows"]] == ["Lò Văn Ba"]


def test_tracing_queue_query_count_does_not_grow_with_rows(
    officer: Any, make_person: Any, report: Any, django_assert_max_num_queries: Any
) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    report(f0)
    _contact(officer, f0, make_person(full_name="Lò Văn Đầu"))
    client = session_client(officer)
    with CaptureQueriesContext(connection) as few:
        client.get("/tracing/")
    for i in range(12):
        _contact(officer, f0, make_person(full_name=f"Lò Văn Số {i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/tracing/")
    assert len(response.context["rows"]) == 13


def test_tracing_queue_shows_only_the_number_of_a_root_case_outside_the_area(
    make_user: Any, make_person: Any, report: Any
) -> None:
    other = make_user(Role.HEALTH_OFFICER, MUONG_SO)
    f0 = make_person(full_name="Giàng A Xà", unit_path=MUONG_SO)
    case = report(f0, actor=other)
    here = make_person(full_name="Lò Văn Khách")
    _contact(other, f0, here)
    response = session_client(make_user(Role.TRACER, BAN_GIANG)).get("/tracing/")
    html = response.content.decode()
    assert '<td class="queue-root">' + case.number + "</td>" in html
    assert "Giàng A Xà" not in html
    assert f"/cases/{case.pk}/" not in html


def test_person_page_shows_the_level_badge(officer: Any, make_person: Any, report: Any) -> None:
    f0 = make_person(full_name="Lò Văn Một")
    report(f0)
    f1 = make_person(full_name="Lò Văn Hai")
    _contact(officer, f0, f1)
    html = session_client(officer).get(f"/people/{f1.pk}/").content.decode()
    row = Classification.objects.get(person=f1)
    assert f'<a href="/tracing/{row.pk}/" id="person-level"' in html
    assert 'data-level="1">F1</span>' in html


# --- itinerary, notices, public page -------------------------------------------------------------


def _drafted(officer: Any, case: Case) -> ExposureNotice:
    client = session_client(officer)
    added = client.post(
        f"/cases/{case.pk}/itinerary/",
        {
            "place": "Chợ Bản Giang",
            "address": "Bản Giang, Tam Đường",
            "start_at": "2021-11-07T07:00",
            "end_at": "2021-11-07T08:30",
        },
    )
    assert added.status_code == 302
    stop = ItineraryStop.objects.get()
    drafted = client.post(
        f"/cases/{case.pk}/notice/",
        {"title": "Thông báo khẩn số 1", "stop_ids": [str(stop.pk)], "advice": "Liên hệ trạm y tế xã."},
    )
    assert drafted.status_code == 302
    return ExposureNotice.objects.get()


def test_itinerary_error_sits_beside_its_field(officer: Any, make_person: Any, report: Any) -> None:
    case = report(make_person(full_name="Lò Văn Một"))
    response = session_client(officer).post(
        f"/cases/{case.pk}/itinerary/", {"place": "Chợ", "start_at": "2021-11-01T07:00", "end_at": "2021-11-01T08:00"}
    )
    assert response.status_code == 200
    assert response.context["itinerary_form"].errors["start_at"] == [
        "Mốc này trước thời kỳ lây truyền của ca (từ 05/11/2021)."
    ]


def test_approve_requires_the_commander_and_the_public_page_shows_no_personal_data(
    officer: Any, make_user: Any, make_person: Any, report: Any, client: Any
) -> None:
    case = report(make_person(full_name="Lò Văn Một", phone="0912777888"))
    notice = _drafted(officer, case)
    assert notice.status == NoticeStatus.DRAFT
    assert "Thông báo khẩn số 1" not in client.get("/cong-khai/dia-diem/").content.decode()

    refused = session_client(officer).post(f"/notices/{notice.pk}/status/", {"to": "approved"})
    assert refused.status_code == 403
    assert ExposureNotice.objects.get().status == NoticeStatus.DRAFT

    commander = make_user(Role.COMMANDER, "12/106/")
    listing = session_client(commander).get("/notices/").content.decode()
    assert "notice-approve" in listing
    approved = session_client(commander).post(f"/notices/{notice.pk}/status/", {"to": "approved"})
    assert approved.status_code == 302
    assert ExposureNotice.objects.get().status == NoticeStatus.APPROVED

    public = client.get("/cong-khai/dia-diem/")  # no login
    html = public.content.decode()
    assert public.status_code == 200
    assert "Thông báo khẩn số 1" in html and "Chợ Bản Giang" in html and "07:00 07/11/2021" in html
    assert "Lò Văn Một" not in html and case.number not in html and "0912777888" not in html
    assert "Đăng xuất" not in html

    withdrawn = session_client(commander).post(f"/notices/{notice.pk}/status/", {"to": "withdrawn"})
    assert withdrawn.status_code == 302
    assert "Thông báo khẩn số 1" not in client.get("/cong-khai/dia-diem/").content.decode()
