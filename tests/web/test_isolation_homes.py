"""Home isolation screens: the list (empty state, who needs attention first), registering a household from the
registry with its members pre-ticked, the household page with an officer's call, the door sign (PDF and the HTML
it is made from), and the public daily check page of the door sign's QR without an account."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from chihuy.accounts.roles import Role
from chihuy.isolation.enums import CheckSource, Cohort, HomeStatus, StayStatus
from chihuy.isolation.models import CheckIn, HomeIsolation, Stay
from chihuy.isolation.services.homes import CheckValues, HomeMember, checkin_record, home_register
from chihuy.isolation.services.stays import stay_end
from chihuy.notify.models import Message
from chihuy.people.services import household_create
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, MUONG_SO, session_client
from tests.labs.fixtures import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned_clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def family(make_person: Any, admin_user: Any) -> dict[str, Any]:
    unit = Unit.objects.get(path=BAN_GIANG)
    father = make_person(full_name="Lò Văn Pằn", sex="M", birth_year=1980)
    mother = make_person(full_name="Tao Thị Mai", sex="F", birth_year=1983)
    household = household_create(actor=admin_user, unit=unit, address="Bản Giang, nhà số 12", members=[father, mother])
    return {"unit": unit, "household": household, "father": father, "mother": mother}


def make_home(officer: Any, family: dict[str, Any], people: list[Any] | None = None, **kw: Any) -> HomeIsolation:
    people = people or [family["father"]]
    return home_register(
        actor=officer,
        unit=family["unit"],
        address=kw.get("address", "Bản Giang, nhà số 12"),
        household=kw.get("household", family["household"]),
        members=[HomeMember(person=p, cohort=Cohort.F1, cohort_on=dt.date(2021, 11, 9)) for p in people],
        officer=officer,
        team="Tổ COVID bản Giang",
        team_phone="0912000777",
    )


def test_the_list_starts_empty_and_puts_danger_first(commune_officer: Any, family: dict[str, Any], make_person: Any):
    client = session_client(commune_officer)
    response = client.get(reverse("web:isolation_homes"))
    assert response.status_code == 200
    assert 'id="homes-empty"' in response.content.decode()
    calm = make_home(commune_officer, family)
    pinned = make_home(
        commune_officer, family, people=[make_person(full_name="Vàng A Sủ")], household=None, address="Bản Giang, nhà 3"
    )
    # The calm household was registered first; a danger sign in the second moves it up, and it is newer anyway:
    # register a third, newer and calm, to see the ordering by attention, not by date.
    newest = make_home(
        commune_officer,
        family,
        people=[make_person(full_name="Lù Thị Dua")],
        household=None,
        address="Bản Giang, nhà 5",
    )
    danger_stay = Stay.objects.get(home=pinned)
    checkin_record(actor=commune_officer, stay=danger_stay, source=CheckSource.CALL, values=CheckValues(spo2=93))
    body = client.get(reverse("web:isolation_homes")).content.decode()
    order = [int(x) for x in re.findall(r'data-home="(\d+)"', body)]
    assert order == [pinned.pk, newest.pk, calm.pk]
    assert f'data-home="{pinned.pk}" data-attention="2"' in body
    danger_only = client.get(reverse("web:isolation_homes"), {"attention": "danger"}).content.decode()
    assert re.findall(r'data-home="(\d+)"', danger_only) == [str(pinned.pk)]
    export = client.get(reverse("web:isolation_homes_xlsx"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_register_from_a_household_pre_ticks_its_members(commune_officer: Any, family: dict[str, Any]):
    client = session_client(commune_officer)
    url = reverse("web:isolation_home_create")
    search = client.get(url, {"q": "Tao Thị Mai"}).content.decode()
    assert f'data-household="{family["household"].pk}"' in search
    form = client.get(url, {"household": family["household"].pk}).content.decode()
    for person in (family["father"], family["mother"]):
        assert f'name="members" value="{person.pk}" id="member-{person.pk}" checked' in form
    father, mother = family["father"].pk, family["mother"].pk
    response = client.post(
        url,
        {
            "household": family["household"].pk,
            "members": [father, mother],
            f"cohort_{father}": "f1",
            f"cohort_on_{father}": "2021-11-09",
            f"cohort_{mother}": "household",
            f"cohort_on_{mother}": "2021-11-09",
            "unit": family["unit"].pk,
            "address": "Bản Giang, nhà số 12",
            "officer": commune_officer.pk,
            "team": "Tổ COVID bản Giang",
            "team_phone": "0912000777",
        },
    )
    home = HomeIsolation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:isolation_home", args=[home.pk])
    assert set(Stay.objects.filter(home=home).values_list("person_id", "cohort")) == {
        (father, Cohort.F1),
        (mother, Cohort.HOUSEHOLD),
    }


def test_register_errors_go_back_to_the_form(commune_officer: Any, family: dict[str, Any]):
    client = session_client(commune_officer)
    father = family["father"].pk
    response = client.post(
        reverse("web:isolation_home_create"),
        {
            "person": father,
            "members": [father],
            f"cohort_{father}": "f1",
            f"cohort_on_{father}": "2021-11-30",  # in the future
            "unit": family["unit"].pk,
            "address": "Bản Giang",
            "officer": commune_officer.pk,
        },
    )
    assert response.status_code == 422
    assert "không được ở tương lai" in response.content.decode()
    assert HomeIsolation.objects.count() == 0


def test_detail_shows_clocks_and_an_officer_call_is_recorded(commune_officer: Any, family: dict[str, Any]):
    home = make_home(commune_officer, family)
    client = session_client(commune_officer)
    url = reverse("web:isolation_home", args=[home.pk])
    body = client.get(url).content.decode()
    assert "24/11/2021" in body and "ngày 1" in body and 'id="checks-empty"' in body
    stay = Stay.objects.get(home=home, person=family["mother"])
    response = client.post(
        reverse("web:isolation_home_checkin", args=[home.pk]),
        {"stay": stay.pk, "source": "call", "temperature": "39,2", "spo2": "97", "symptoms": ["cough"]},
    )
    assert response.status_code == 302
    shown = client.get(response["Location"]).content.decode()
    assert shown.count("Tao Thị Mai có dấu hiệu nguy hiểm (sốt 39,2 °C (≥ 39,0 °C)): đã đề xuất chuyển điều trị") == 1
    check = CheckIn.objects.get()
    assert (check.source, str(check.temperature), check.danger) == ("call", "39.2", True)
    body = client.get(url).content.decode()
    assert "Đề xuất chuyển điều trị" in body and "Ho" in body
    bad = client.post(
        reverse("web:isolation_home_checkin", args=[home.pk]), {"stay": stay.pk, "source": "call", "spo2": "120"}
    )
    assert bad.status_code == 422 and "SpO2 phải từ 50 đến 100 %" in bad.content.decode()


def test_door_sign_is_a_pdf_made_from_red_and_yellow_html(commune_officer: Any, family: dict[str, Any]):
    home = make_home(commune_officer, family)
    client = session_client(commune_officer)
    pdf = client.get(reverse("web:isolation_home_doorsign", args=[home.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    html = client.get(reverse("web:isolation_home_doorsign_html", args=[home.pk])).content.decode()
    assert "KHU VỰC CÁCH LY Y TẾ PHÒNG, CHỐNG DỊCH COVID-19" in html
    assert "background: #da251d" in html and "color: #ffde00" in html
    assert "Bản Giang, nhà số 12" in html
    assert "Từ ngày 10/11/2021 đến hết ngày 23/11/2021" in html  # 14 days; released on the 24th
    assert "0912000012" in html and "0912000777" in html
    assert 'src="data:image/png;base64,' in html


def test_public_page_needs_no_account_and_names_the_phone_on_danger(commune_officer: Any, family: dict[str, Any]):
    home = make_home(commune_officer, family)
    stays = {s.person_id: s for s in Stay.objects.filter(home=home)}
    client = Client()  # nobody logged in
    url = reverse("web:isolation_checkin_public", args=[home.token])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Lò Văn Pằn" in body and "Tao Thị Mai" in body
    ok = client.post(url, {"member": stays[family["mother"].pk].pk, "temperature": "36,8", "spo2": "98"})
    assert ok.status_code == 201 and "Cảm ơn bạn đã khai báo" in ok.content.decode()
    danger = client.post(url, {"member": stays[family["father"].pk].pk, "spo2": "94", "breathing_difficulty": "on"})
    text = danger.content.decode()
    assert danger.status_code == 201 and "Gọi ngay" in text and "0912000012" in text
    assert Message.objects.filter(template="isolation.home_danger", urgent=True).count() == 1
    bad = client.post(url, {"member": stays[family["mother"].pk].pk, "temperature": "45"})
    assert bad.status_code == 422 and "Nhiệt độ phải từ 34,0 đến 43,0 °C" in bad.content.decode()
    assert client.get(reverse("web:isolation_checkin_public", args=["khong-dung"])).status_code == 404


def test_an_ended_household_link_is_gone(commune_officer: Any, family: dict[str, Any]):
    home = make_home(commune_officer, family)
    for stay in Stay.objects.filter(home=home):
        stay_end(
            actor=commune_officer, stay=stay, status=StayStatus.CANCELLED, reason="Nhập nhầm", perm="home.isolation"
        )
    client = session_client(commune_officer)
    assert client.post(reverse("web:isolation_home_end", args=[home.pk]), {"reason": ""}).status_code == 302
    home.refresh_from_db()
    assert home.status == HomeStatus.ENDED
    assert Client().get(reverse("web:isolation_checkin_public", args=[home.token])).status_code == 404


def test_out_of_area_is_not_found_and_a_tracer_cannot_register(
    commune_officer: Any, family: dict[str, Any], make_user: Any
):
    home = make_home(commune_officer, family)
    stranger = session_client(make_user(Role.HEALTH_OFFICER, MUONG_SO))
    assert stranger.get(reverse("web:isolation_home", args=[home.pk])).status_code == 404
    assert stranger.get(reverse("web:isolation_home_doorsign", args=[home.pk])).status_code == 404
    tracer = session_client(make_user(Role.TRACER, BAN_GIANG))
    assert tracer.get(reverse("web:isolation_home", args=[home.pk])).status_code == 200
    assert tracer.get(reverse("web:isolation_home_create")).status_code == 403


def test_door_sign_fits_one_a4_page(commune_officer: Any, family: dict[str, Any]):
    from weasyprint import HTML

    from chihuy.isolation.doorsign import doorsign_html

    home = make_home(commune_officer, family)
    document = HTML(string=doorsign_html(home, "http://testserver/cong-khai/khai-bao/x/")).render()
    assert len(document.pages) == 1
    assert (round(document.pages[0].width * 25.4 / 96), round(document.pages[0].height * 25.4 / 96)) == (210, 297)


def test_a_household_member_found_later_is_added_from_the_registry(
    commune_officer: Any, family: dict[str, Any], make_person: Any, admin_user: Any
):
    from chihuy.people.services import household_add_member

    home = make_home(commune_officer, family)
    son = make_person(full_name="Lò Văn Tú", birth_year=2005)
    household_add_member(actor=admin_user, household=family["household"], person=son)
    client = session_client(commune_officer)
    body = client.get(reverse("web:isolation_home", args=[home.pk])).content.decode()
    candidates = body[body.index('id="id_candidate"') :].split("</select>")[0]
    assert f'<option value="{son.pk}">Lò Văn Tú</option>' in candidates
    nobody = client.post(reverse("web:isolation_home_member_add", args=[home.pk]), {"cohort": "household"})
    assert nobody.status_code == 422 and "Chọn người trong hộ hoặc nhập mã người." in nobody.content.decode()
    response = client.post(
        reverse("web:isolation_home_member_add", args=[home.pk]),
        {"candidate": son.pk, "cohort": "household", "cohort_on": "2021-11-09"},
    )
    assert response.status_code == 302
    stay = Stay.objects.get(home=home, person=son)
    assert (stay.cohort, stay.release_on) == (Cohort.HOUSEHOLD, dt.date(2021, 11, 24))
    body = client.get(reverse("web:isolation_home", args=[home.pk])).content.decode()
    assert 'id="id_candidate"' not in body  # nobody of the household is left outside
