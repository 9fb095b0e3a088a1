"""The vaccination screens: coverage numbers from the facts, the priority list's contents and order, recording a
dose from the list, a person's doses (with a withdrawal), import and review queue through the web, targets against
coverage, jurisdiction (another commune's person or dose: 404) and query-count pins on the lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chihuy.accounts.roles import Role
from chihuy.places.enums import AgeBand
from chihuy.places.services import population_set, village_create
from chihuy.reports.facts import facts_rebuild
from chihuy.vaccination.models import CampaignTarget, Dose, DoseReview, ReviewStatus
from chihuy.vaccination.services import dose_record
from tests.conftest import BAN_GIANG, BINH_LU, TAM_DUONG, session_client, unit
from tests.vaccination.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(db: Any) -> list[Any]:
    commune = unit(BAN_GIANG)
    return [village_create(commune=commune, code=f"0{i}", name=f"Bản {i}") for i in (1, 2)]


@pytest.fixture
def scene(make_person: Any, vaccinator: Any, vaccines: Any, villages: list[Any]) -> dict[str, Any]:
    v1, v2 = villages
    people = {
        "old_v2": make_person(full_name="Lò Văn Một", birth_year=1950, unit=v2),
        "old_v1": make_person(full_name="Lò Văn Hai", birth_date=D(1955, 5, 5), unit=v1),
        "older_v1": make_person(full_name="Tẩn Thị Ba", birth_year=1940, unit=v1),
        "partial": make_person(full_name="Giàng A Bốn", birth_year=1960, unit=v1),
        "full": make_person(full_name="Giàng A Năm", birth_year=1945, unit=v1),
        "chronic": make_person(full_name="Vàng Thị Sáu", birth_year=1990, unit=v2, chronic_conditions=["diabetes"]),
        "pregnant": make_person(full_name="Lò Thị Bảy", birth_year=1995, unit=v2, is_pregnant=True),
        "young": make_person(full_name="Lò Văn Tám", birth_year=1990, unit=v1),
        "turns_50_tomorrow": make_person(full_name="Lò Văn Chín", birth_date=D(1971, 11, 11), unit=v1),
        "binh_lu": make_person(full_name="Lò Văn Mười", birth_year=1940, unit_path=BINH_LU),
    }
    dose_record(
        actor=vaccinator, person=people["partial"], dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1)
    )
    dose_record(actor=vaccinator, person=people["full"], dose_number=1, vaccine=vaccines["AZ"], given_on=D(2021, 8, 1))
    dose_record(actor=vaccinator, person=people["full"], dose_number=2, vaccine=vaccines["AZ"], given_on=D(2021, 9, 1))
    dose_record(
        actor=vaccinator, person=people["young"], dose_number=1, vaccine=vaccines["PFIZER"], given_on=D(2021, 10, 1)
    )
    return people


def test_priority_list_unvaccinated_by_village_then_oldest(vaccinator: Any, scene: dict[str, Any]) -> None:
    response = session_client(vaccinator).get("/tiem-chung/uu-tien/")
    assert response.status_code == 200
    names = [p.full_name for p in response.context["page"].items]
    # Bản 1 (oldest first), then Bản 2; not the vaccinated, not the young, not Bình Lư.
    assert names == ["Tẩn Thị Ba", "Lò Văn Hai", "Lò Văn Một", "Vàng Thị Sáu", "Lò Thị Bảy"]


def test_priority_list_incomplete_and_one_village(vaccinator: Any, scene: dict[str, Any], villages: list[Any]) -> None:
    client = session_client(vaccinator)
    response = client.get("/tiem-chung/uu-tien/", {"mode": "incomplete", "unit": villages[0].pk})
    rows = [(p.full_name, p.dose_count) for p in response.context["page"].items]
    assert rows == [("Tẩn Thị Ba", 0), ("Lò Văn Hai", 0), ("Giàng A Bốn", 1)]


def test_priority_xlsx_and_print(vaccinator: Any, scene: dict[str, Any]) -> None:
    import io

    from openpyxl import load_workbook

    client = session_client(vaccinator)
    response = client.get("/tiem-chung/uu-tien/xuat.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Thôn, bản", "Họ và tên")
    assert [r[1] for r in rows[1:]] == ["Tẩn Thị Ba", "Lò Văn Hai", "Lò Văn Một", "Vàng Thị Sáu", "Lò Thị Bảy"]
    assert rows[4][6] == "bệnh nền" and rows[5][6] == "mang thai"
    page = client.get("/tiem-chung/uu-tien/in/").content.decode()
    assert "DANH SÁCH ƯU TIÊN TIÊM" in page and "Tẩn Thị Ba" in page and "@media print" in page


def test_recording_from_the_list_removes_the_person(vaccinator: Any, scene: dict[str, Any], vaccines: Any) -> None:
    client = session_client(vaccinator)
    person = scene["older_v1"]
    form = client.get(f"/tiem-chung/ghi-mui/?person={person.pk}")
    assert form.context["form"].initial["dose_number"] == 1
    response = client.post(
        "/tiem-chung/ghi-mui/",
        {
            "person": person.pk,
            "vaccine": vaccines["AZ"].pk,
            "dose_number": 1,
            "given_on": "2021-11-10",
            "lot": "A1",
            "next": "/tiem-chung/uu-tien/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/tiem-chung/uu-tien/"
    assert Dose.objects.get(person=person).lot == "A1"
    names = [p.full_name for p in client.get("/tiem-chung/uu-tien/").context["page"].items]
    assert "Tẩn Thị Ba" not in names


def test_record_form_shows_the_rule_beside_its_field(vaccinator: Any, scene: dict[str, Any], vaccines: Any) -> None:
    client = session_client(vaccinator)
    response = client.post(
        "/tiem-chung/ghi-mui/",
        {"person": scene["older_v1"].pk, "vaccine": vaccines["AZ"].pk, "dose_number": 2, "given_on": "2021-11-10"},
    )
    assert response.status_code == 422
    assert "mũi 2 trước mũi 1" in response.context["form"].errors["dose_number"][0]
    assert not Dose.objects.filter(person=scene["older_v1"]).exists()


def test_other_commune_person_and_dose_are_not_found(make_user: Any, scene: dict[str, Any], vaccines: Any) -> None:
    other = make_user(Role.VACCINATOR, BINH_LU)
    client = session_client(other)
    dose = Dose.objects.filter(person=scene["full"]).first()
    assert dose is not None
    assert client.get(f"/tiem-chung/ghi-mui/?person={scene['old_v1'].pk}").status_code == 404
    assert client.get(f"/tiem-chung/nguoi/{scene['old_v1'].pk}/").status_code == 404
    assert client.get(f"/tiem-chung/nguoi/{scene['old_v1'].pk}/muc/").status_code == 404
    assert client.post(f"/tiem-chung/mui/{dose.pk}/huy/", {"reason": "x"}).status_code == 404
    dose.refresh_from_db()
    assert dose.is_active
    names = [p.full_name for p in client.get("/tiem-chung/uu-tien/").context["page"].items]
    assert names == ["Lò Văn Mười"]


def test_person_doses_section_and_withdrawal(vaccinator: Any, scene: dict[str, Any]) -> None:
    client = session_client(vaccinator)
    person = scene["full"]
    section = client.get(f"/tiem-chung/nguoi/{person.pk}/muc/")
    assert section.status_code == 200
    assert [d.dose_number for d in section.context["doses"]] == [1, 2]
    second = Dose.objects.get(person=person, dose_number=2)
    first = Dose.objects.get(person=person, dose_number=1)
    client.post(f"/tiem-chung/mui/{first.pk}/huy/", {"reason": "ghi nhầm"})
    first.refresh_from_db()
    assert first.is_active  # a later dose blocks it
    client.post(f"/tiem-chung/mui/{second.pk}/huy/", {"reason": "ghi nhầm"})
    second.refresh_from_db()
    assert (second.is_active, second.deactivated_reason) == (False, "ghi nhầm")


def test_analyst_reads_but_cannot_record(make_user: Any, scene: dict[str, Any]) -> None:
    analyst = make_user(Role.ANALYST, BAN_GIANG)
    client = session_client(analyst)
    assert client.get("/tiem-chung/uu-tien/").status_code == 200
    assert client.get("/tiem-chung/").status_code == 200
    assert client.get("/tiem-chung/ghi-mui/").status_code == 403
    assert client.get("/tiem-chung/nhap/").status_code == 403
    assert client.get("/tiem-chung/doi-chieu/").status_code == 403
    tracer = make_user(Role.TRACER, BAN_GIANG)
    assert session_client(tracer).get("/tiem-chung/").status_code == 403


def test_coverage_screen_reads_the_facts(make_user: Any, scene: dict[str, Any]) -> None:
    population_set(
        unit=unit(BAN_GIANG),
        year=2021,
        counts={AgeBand.A0_11: 40, AgeBand.A12_17: 20, AgeBand.A18_49: 50, AgeBand.A50_64: 8, AgeBand.A65: 2},
        is_estimate=True,
        source="test",
    )
    facts_rebuild()
    officer = make_user(Role.HEALTH_OFFICER, TAM_DUONG)
    response = session_client(officer).get("/tiem-chung/")
    rows = {r["unit_id"]: r for r in response.context["rows"]}
    assert response.context["rows"][0]["unit_name"] == unit(TAM_DUONG).name
    ban_giang = {g["group"]: g for g in rows[unit(BAN_GIANG).pk]["groups"]}
    # 50–64: Giàng A Bốn (1 dose); 65+: Giàng A Năm (full); 18–49: Lò Văn Tám (1 dose).
    assert (ban_giang["50+"]["population"], ban_giang["50+"]["first"], ban_giang["50+"]["full"]) == (
        10,
        {"people": 2, "pct": 20.0},
        {"people": 1, "pct": 10.0},
    )
    assert ban_giang["18+"]["first"] == {"people": 3, "pct": 5.0}
    assert ban_giang["65+"]["full"] == {"people": 1, "pct": 50.0}
    assert rows[unit(BAN_GIANG).pk]["problems"] == []
    # Bình Lư has no population loaded: named, percentages None.
    binh_lu = rows[unit(BINH_LU).pk]
    assert binh_lu["problems"] == ["Chưa có số dân (mẫu số) của đơn vị."]
    assert all(g["first"]["pct"] is None for g in binh_lu["groups"])
    assert "coverage-problems" in response.content.decode()


def test_targets_against_coverage(make_user: Any, scene: dict[str, Any]) -> None:
    population_set(
        unit=unit(BAN_GIANG), year=2021, counts={AgeBand.A50_64: 8, AgeBand.A65: 2}, is_estimate=True, source="t"
    )
    facts_rebuild()
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    bad = client.post(
        "/tiem-chung/chi-tieu/",
        {"unit": unit(BAN_GIANG).pk, "age_group": "50+", "kind": "full", "target_pct": "120", "due_on": "2021-12-31"},
    )
    assert bad.status_code == 422 and not CampaignTarget.objects.exists()
    ok = client.post(
        "/tiem-chung/chi-tieu/",
        {"unit": unit(BAN_GIANG).pk, "age_group": "50+", "kind": "first", "target_pct": "90", "due_on": "2021-12-31"},
    )
    assert ok.status_code == 302
    progress = client.get("/tiem-chung/chi-tieu/").context["progress"]
    assert [
        (str(p.target.target_pct), p.actual_pct, p.people, p.denominator, p.status, p.days_left) for p in progress
    ] == [("90.0", 20.0, 2, 10, "behind", 51)]
    vaccinator = make_user(Role.VACCINATOR, BAN_GIANG)
    assert session_client(vaccinator).post("/tiem-chung/chi-tieu/", {"unit": unit(BAN_GIANG).pk}).status_code == 403


def test_import_and_review_through_the_web(vaccinator: Any, scene: dict[str, Any]) -> None:
    client = session_client(vaccinator)
    data = (
        "CCCD/CMND,Họ và tên,Ngày sinh,Số điện thoại,Mũi tiêm (số),Loại vắc xin,Số lô,Ngày tiêm,Nơi tiêm\n"
        ",Tẩn Thị Ba,1940,,1,Vero Cell,S1,01/11/2021,Trạm Y tế\n"
        ",Người Lạ,1980,0912345678,1,Vero Cell,S1,01/11/2021,Trạm Y tế\n"
    ).encode()
    response = client.post("/tiem-chung/nhap/", {"file": SimpleUploadedFile("tiem.csv", data)})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report["created"], [q["full_name"] for q in report["queued"]]) == (1, ["Người Lạ"])
    review = DoseReview.objects.get()
    listing = client.get("/tiem-chung/doi-chieu/")
    assert [r.pk for r in listing.context["page"].items] == [review.pk]
    village = scene["old_v1"].unit
    created = client.post(f"/tiem-chung/doi-chieu/{review.pk}/", {"action": "create", "unit": village.pk})
    assert created.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.RESOLVED and review.person is not None
    assert (review.person.full_name, review.person.birth_year, review.person.unit_id) == ("Người Lạ", 1980, village.pk)
    assert Dose.objects.get(person=review.person).vaccine.code == "SINOPHARM"
    assert client.get("/tiem-chung/doi-chieu/").context["page"].items == []


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_read_a_fixed_number_of_queries(
    vaccinator: Any, make_person: Any, villages: list[Any], vaccines: Any
) -> None:
    client = session_client(vaccinator)
    make_person(full_name="Lò Văn A", birth_year=1940, unit=villages[0])
    DoseReview.objects.create(
        unit_path=BAN_GIANG, row_number=2, raw={}, parsed={"full_name": "A"}, fingerprint="a", reason="unmatched"
    )
    urls = ["/tiem-chung/uu-tien/", "/tiem-chung/doi-chieu/", "/tiem-chung/", "/tiem-chung/chi-tieu/"]
    before = [_count(client, u) for u in urls]
    for i in range(6):
        make_person(full_name=f"Lò Văn B{i}", birth_year=1941 + i, unit=villages[i % 2])
        DoseReview.objects.create(
            unit_path=BAN_GIANG,
            row_number=3 + i,
            raw={},
            parsed={"full_name": "B"},
            fingerprint=f"b{i}",
            reason="unmatched",
        )
    after = [_count(client, u) for u in urls]
    assert after == before


def test_person_page_loads_the_doses_section_once(vaccinator: Any, make_user: Any, scene: dict[str, Any]) -> None:
    page = session_client(vaccinator).get(f"/people/{scene['full'].pk}/").content.decode()
    assert page.count(f'hx-get="/tiem-chung/nguoi/{scene["full"].pk}/muc/"') == 1
    tracer = make_user(Role.TRACER, BAN_GIANG)
    assert "person-doses-slot" not in session_client(tracer).get(f"/people/{scene['full'].pk}/").content.decode()


def test_every_screen_renders_with_its_empty_state(vaccinator: Any, make_user: Any, villages: list[Any]) -> None:
    client = session_client(vaccinator)
    for url, marker in [
        ("/tiem-chung/", "coverage-table"),
        ("/tiem-chung/ghi-mui/?q=Không+ai", "person-empty"),
        ("/tiem-chung/nhap/", "import-template"),
        ("/tiem-chung/doi-chieu/", "reviews-empty"),
        ("/tiem-chung/uu-tien/", "priority-empty"),
        ("/tiem-chung/chi-tieu/", "targets-empty"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert marker in response.content.decode(), url
    template = client.get("/tiem-chung/nhap/mau.xlsx")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")


def test_priority_pdf(vaccinator: Any, scene: dict[str, Any]) -> None:
    response = session_client(vaccinator).get("/tiem-chung/uu-tien/in.pdf")
    if response.status_code == 302:  # WeasyPrint without Pango on this machine: the printable page instead
        assert response["Location"].startswith("/tiem-chung/uu-tien/in/")
        return
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
