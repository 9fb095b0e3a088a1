"""Web screens: each renders for the right role, 404 outside the jurisdiction, 403 without the permission."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from chihuy.accounts.middleware import SCOPE_SESSION_KEY
from chihuy.accounts.models import ApiToken, User
from chihuy.accounts.roles import Role
from chihuy.core.models import AuditEvent
from chihuy.people.models import Person
from chihuy.places.models import Site
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, PASSWORD, PHONG_THO, TAM_DUONG, session_client

pytestmark = pytest.mark.django_db


def test_every_screen_requires_login(client: Client) -> None:
    for url in ["/", "/people/", "/people/new/", "/units/", "/audit/", "/users/", "/account/tokens/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_home_shows_unit_roles_and_people_in_view(make_user: Any, make_person: Any) -> None:
    make_person(full_name="Lò Văn Một", birth_year=1980)
    make_person(full_name="Giàng A Hai", birth_year=1990, unit_path=MUONG_SO)
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    response = session_client(officer).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bản Giang" in html
    assert "Cán bộ y tế" in html
    assert response.context["people_count"] == 1
    # A commune user has no unit switcher.
    assert 'id="scope-form"' not in html


def test_commune_officer_finds_a_person_without_diacritics(make_user: Any, make_person: Any) -> None:
    wanted = make_person(full_name="Nguyễn Văn A", birth_year=1985)
    make_person(full_name="Lò Thị Bình", birth_year=1990)
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    response = session_client(officer).get("/people/", {"q": "nguyen van a"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].items] == [wanted.pk]
    assert "Nguyễn Văn A" in response.content.decode()


def test_htmx_search_answers_only_the_results_fragment(make_user: Any, make_person: Any) -> None:
    make_person(full_name="Nguyễn Văn A", birth_year=1985)
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    response = session_client(officer).get("/people/", {"q": "van a"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Nguyễn Văn A" in html
    assert "<nav" not in html and "<html" not in html


def test_people_list_pages_with_a_cursor(make_user: Any, make_person: Any) -> None:
    made = [make_person(full_name=f"Lò Văn Số {i}", birth_year=1970 + i) for i in range(30)]
    officer = make_user(Role.TRACER, BAN_GIANG)
    client = session_client(officer)
    first = client.get("/people/")
    cursor = first.context["page"].next_cursor
    assert cursor and "Trang sau" in first.content.decode()
    second = client.get("/people/", {"cursor": cursor})
    seen = [p.pk for p in first.context["page"].items] + [p.pk for p in second.context["page"].items]
    assert sorted(seen) == sorted(p.pk for p in made)
    assert second.context["page"].next_cursor is None


def test_empty_people_list_says_so(make_user: Any) -> None:
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    response = session_client(officer).get("/people/", {"q": "khong co ai"})
    assert "Không tìm thấy ai khớp" in response.content.decode()


def test_people_list_query_count_does_not_grow_with_rows(
    make_user: Any, make_person: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        make_person(full_name=f"Nguyễn Văn Người {i}", birth_year=1960 + i)
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    with django_assert_max_num_queries(8):
        response = client.get("/people/")
    assert len(response.context["page"].items) == 25
    with django_assert_max_num_queries(8):
        response = client.get("/people/", {"q": "nguyen van nguoi"})
    assert len(response.context["page"].items) == 25


def test_person_of_another_district_is_not_found(make_user: Any, make_person: Any) -> None:
    stranger = make_person(full_name="Giàng A Xà", birth_year=1990, unit_path=MUONG_SO)
    district_user = make_user(Role.COMMANDER, TAM_DUONG)
    client = session_client(district_user)
    for url in [f"/people/{stranger.pk}/", f"/people/{stranger.pk}/edit/", f"/people/{stranger.pk}/merge/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/people/{stranger.pk}/deactivate/", {"reason": "x"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active
    assert not AuditEvent.objects.filter(action="view", object_id=str(stranger.pk)).exists()


def test_person_detail_renders_and_is_audited(make_user: Any, make_person: Any) -> None:
    person = make_person(full_name="Lò Thị Mai", birth_year=1950, sex="F", chronic_conditions=["diabetes"])
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    response = session_client(officer).get(f"/people/{person.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lò Thị Mai" in html and "Từ 65 tuổi" in html and "Đái tháo đường" in html
    assert (
        AuditEvent.objects.filter(action="view", object_id=str(person.pk), actor_username=officer.username).count() == 1
    )


def test_analyst_may_read_but_not_create(make_user: Any) -> None:
    analyst = make_user(Role.ANALYST, BAN_GIANG)
    client = session_client(analyst)
    assert client.get("/people/").status_code == 200
    assert client.get("/people/new/").status_code == 403
    response = client.post("/people/new/", {"full_name": "Lò Văn Cấm", "sex": "M", "unit": ""})
    assert response.status_code == 403
    assert not Person.objects.filter(full_name="Lò Văn Cấm").exists()


def _person_post(unit_id: int, **extra: Any) -> dict[str, Any]:
    data = {"full_name": "Nguyễn Văn A", "birth_year": "1985", "sex": "M", "unit": str(unit_id)}
    data.update(extra)
    return data


def test_create_person_then_duplicate_warning_then_confirm(make_user: Any, commune: Any) -> None:
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    first = client.post("/people/new/", _person_post(commune.pk, chronic_conditions=["heart"]))
    assert first.status_code == 302
    original = Person.objects.get(full_name="Nguyễn Văn A")
    assert first["Location"] == f"/people/{original.pk}/"
    assert original.chronic_conditions == ["heart"]

    warned = client.post("/people/new/", _person_post(commune.pk))
    assert warned.status_code == 200
    html = warned.content.decode()
    assert 'id="duplicate-warning"' in html
    assert f'href="/people/{original.pk}/"' in html
    assert "Vẫn tạo người mới" in html
    assert Person.objects.filter(full_name="Nguyễn Văn A").count() == 1

    confirmed = client.post("/people/new/", _person_post(commune.pk, confirm_new="1"))
    assert confirmed.status_code == 302
    assert Person.objects.filter(full_name="Nguyễn Văn A").count() == 2


def test_field_errors_are_shown_beside_the_field(make_user: Any, commune: Any) -> None:
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    response = session_client(officer).post("/people/new/", _person_post(commune.pk, national_id="12345"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["national_id"]
    assert 'data-field="national_id"' in response.content.decode()
    assert not Person.objects.exists()


def test_create_form_offers_only_units_of_the_jurisdiction(make_user: Any, commune: Any, other_commune: Any) -> None:
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    form = client.get("/people/new/").context["form"]
    offered = {pk for pk, _label in form.fields["unit"].choices if pk}
    assert commune.pk in offered and other_commune.pk not in offered
    response = client.post("/people/new/", _person_post(other_commune.pk))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not Person.objects.exists()


def test_edit_and_deactivate(make_user: Any, make_person: Any, commune: Any) -> None:
    person = make_person(full_name="Lò Văn Sửa", birth_year=1970)
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    assert client.get(f"/people/{person.pk}/edit/").status_code == 200
    response = client.post(
        f"/people/{person.pk}/edit/", _person_post(commune.pk, full_name="Lò Văn Sửa", phone="0912 345 678")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "0912345678"
    assert client.post(f"/people/{person.pk}/deactivate/", {"reason": ""}).status_code == 302
    person.refresh_from_db()
    assert person.is_active
    client.post(f"/people/{person.pk}/deactivate/", {"reason": "Nhập nhầm"})
    person.refresh_from_db()
    assert not person.is_active


def test_merge_and_undo_from_the_screens(make_user: Any, make_person: Any) -> None:
    keep = make_person(full_name="Lò Văn Trùng", birth_year=1975, national_id="")
    dup = make_person(full_name="Lò Văn Trùng", birth_year=1975, phone="0912345678")
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    page = client.get(f"/people/{keep.pk}/merge/")
    assert [c.person.pk for c in page.context["check"].candidates] == [dup.pk]
    response = client.post(f"/people/{keep.pk}/merge/", {"source": dup.pk, "reason": "Trùng hồ sơ"})
    assert response.status_code == 302
    dup.refresh_from_db()
    keep.refresh_from_db()
    assert dup.merged_into_id == keep.pk and keep.phone == "0912345678"
    detail = client.get(f"/people/{dup.pk}/")
    event = detail.context["merge_event"]
    assert event is not None and "Hoàn tác gộp" in detail.content.decode()
    undo = client.post(f"/people/unmerge/{event.pk}/", {"reason": "Gộp nhầm"})
    assert undo.status_code == 302
    dup.refresh_from_db()
    keep.refresh_from_db()
    assert dup.is_active and dup.merged_into_id is None and keep.phone == ""


def test_merge_needs_the_merge_permission(make_user: Any, make_person: Any) -> None:
    keep = make_person(full_name="Lò Văn Trùng", birth_year=1975)
    tracer = make_user(Role.TRACER, BAN_GIANG)
    assert session_client(tracer).get(f"/people/{keep.pk}/merge/").status_code == 403


def test_import_people_reports_created_errors_and_duplicates(make_user: Any, make_person: Any) -> None:
    make_person(full_name="Lò Văn Cũ", birth_year=1960)
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    template = client.get("/people/import/mau.xlsx")
    assert template.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]]
    assert headers[:2] == ["ho_ten", "ngay_sinh"] and "ma_don_vi" in headers
    code = BAN_GIANG.strip("/").split("/")[-1]
    good = f"ho_ten,nam_sinh,gioi_tinh,ma_don_vi\nLò Văn Mới,1990,Nam,{code}\nLò Văn Cũ,1960,Nam,{code}\n"
    upload = io.BytesIO(good.encode())
    upload.name = "nguoi.csv"
    response = client.post("/people/import/", {"file": upload})
    report = response.context["report"]
    assert report["created"] == 1 and len(report["duplicates"]) == 1 and report["errors"] == []
    assert 'id="import-duplicates"' in response.content.decode()
    bad = io.BytesIO(f"ho_ten,nam_sinh,ma_don_vi\nLò Văn Sai,3000,{code}\n".encode())
    bad.name = "sai.csv"
    response = client.post("/people/import/", {"file": bad})
    assert response.context["report"]["errors"][0]["field"] == "birth_year"
    assert not Person.objects.filter(full_name="Lò Văn Sai").exists()


def test_import_needs_the_import_permission(make_user: Any) -> None:
    tracer = make_user(Role.TRACER, BAN_GIANG)
    assert session_client(tracer).get("/people/import/").status_code == 403


# --- unit switcher ---------------------------------------------------------------------------


def test_district_user_sees_the_switcher_and_narrows_the_view(make_user: Any, make_person: Any) -> None:
    in_ban_giang = make_person(full_name="Lò Văn Giang", birth_year=1980)
    make_person(full_name="Lò Văn Lũ", birth_year=1981, unit_path=BINH_LU)
    district_user = make_user(Role.COMMANDER, TAM_DUONG)
    client = session_client(district_user)
    home = client.get("/")
    choices = home.context["scope_choices"]()
    paths = [c["path"] for c in choices]
    assert paths[0] == TAM_DUONG and BAN_GIANG in paths and BINH_LU in paths
    assert all(p.startswith(TAM_DUONG) for p in paths)
    assert home.context["people_count"] == 2
    response = client.post("/scope/", {"path": BAN_GIANG, "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert client.session[SCOPE_SESSION_KEY] == BAN_GIANG
    assert [p.pk for p in client.get("/people/").context["page"].items] == [in_ban_giang.pk]


def test_scope_switch_rejects_a_path_outside_the_jurisdiction(make_user: Any) -> None:
    district_user = make_user(Role.COMMANDER, TAM_DUONG)
    client = session_client(district_user)
    assert client.post("/scope/", {"path": PHONG_THO}).status_code == 404
    assert client.post("/scope/", {"path": LAI_CHAU}).status_code == 404
    assert SCOPE_SESSION_KEY not in client.session
    assert client.post("/scope/", {"path": BAN_GIANG, "next": "https://evil.example/"})["Location"] == "/"


# --- units -------------------------------------------------------------------------------------


def test_unit_tree_and_detail(make_user: Any, province: Any, district: Any, commune: Any) -> None:
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    assert client.get("/units/")["Location"] == f"/units/{commune.pk}/"
    page = client.get(f"/units/{province.pk}/")
    assert page.status_code == 200
    children = [c["unit"].name for c in page.context["children"]]
    assert len(children) == 8 and "Tam Đường" in " ".join(children)
    detail = client.get(f"/units/{commune.pk}/")
    assert [a.pk for a in detail.context["ancestors"]] == [province.pk, district.pk]
    assert "Chưa có số liệu dân số" in detail.content.decode()
    assert detail.context["can_add_site"] is True


def test_population_by_band_and_estimate_mark(make_user: Any, district: Any, commune: Any) -> None:
    from chihuy.places.services import population_set

    population_set(
        unit=commune,
        year=2019,
        counts={"0-11": 100, "12-17": 50, "18-49": 300, "50-64": 80, "65+": 20},
        is_estimate=True,
        source="demo",
    )
    client = session_client(make_user(Role.ANALYST, BAN_GIANG))
    page = client.get(f"/units/{district.pk}/")
    assert page.context["population"]["total"] == 550
    totals = {c["unit"].pk: c["total"] for c in page.context["children"]}
    assert totals[commune.pk] == 550 and sum(totals.values()) == 550
    assert "ước tính (demo)" in page.content.decode()


def test_site_attached_and_deactivated_inside_the_jurisdiction(
    make_user: Any, commune: Any, other_commune: Any
) -> None:
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    data = {"kind": "health_facility", "name": "Trạm Y tế xã Bản Giang", "address": "Bản 1", "phone": "0213 3875 111"}
    assert client.post(f"/units/{commune.pk}/sites/", data).status_code == 302
    site = Site.objects.get(name="Trạm Y tế xã Bản Giang")
    assert client.post(f"/units/{commune.pk}/sites/", data).context["site_form"].errors["name"]
    assert client.post(f"/units/{other_commune.pk}/sites/", data).status_code == 404
    assert not Site.objects.filter(unit=other_commune).exists()
    assert client.post(f"/sites/{site.pk}/deactivate/").status_code == 302
    site.refresh_from_db()
    assert not site.is_active


def test_site_change_needs_the_permission(make_user: Any, commune: Any) -> None:
    tracer = make_user(Role.TRACER, BAN_GIANG)
    response = session_client(tracer).post(f"/units/{commune.pk}/sites/", {"kind": "lab", "name": "Phòng XN"})
    assert response.status_code == 403
    assert not Site.objects.exists()


def test_population_import_form(make_user: Any, commune: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    client = session_client(admin)
    code = commune.code
    upload = io.BytesIO(f"ma_don_vi,nam,0-11,12-17,18-49,50-64,65+\n{code},2021,1,2,3,4,5\n".encode())
    upload.name = "dan-so.csv"
    assert client.post(f"/units/{commune.pk}/population/", {"file": upload}).status_code == 302
    assert client.get(f"/units/{commune.pk}/").context["population"]["total"] == 15
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    assert session_client(officer).post(f"/units/{commune.pk}/population/", {}).status_code == 403


# --- audit ------------------------------------------------------------------------------------


def test_audit_log_filters_and_exports_xlsx(make_user: Any, make_person: Any) -> None:
    person = make_person(full_name="Lò Văn Nhật", birth_year=1970)
    stranger = make_person(full_name="Giàng A Ngoài", birth_year=1970, unit_path=MUONG_SO)
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    client = session_client(admin)
    page = client.get("/audit/", {"action": "create", "object_type": "people.person"})
    assert page.status_code == 200
    ids = {e.object_id for e in page.context["page"].items}
    assert ids == {str(person.pk)}
    assert str(stranger.pk) not in ids
    export = client.get("/audit/export.xlsx", {"action": "create", "object_type": "people.person"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "id" and len(rows) == 2 and rows[1][5] == str(person.pk)
    event = AuditEvent.objects.get(action="export", actor_username=admin.username)
    assert event.details["rows"] == 1 and event.details["filters"]["action"] == "create"


def test_audit_log_survives_a_tampered_cursor(make_user: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    response = session_client(admin).get("/audit/", {"cursor": "not-a-cursor"})
    assert response.status_code == 200


def test_audit_log_needs_the_permission(make_user: Any) -> None:
    officer = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(officer)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


# --- users and tokens --------------------------------------------------------------------------


def test_user_admin_creates_edits_and_resets_inside_the_subtree(make_user: Any, commune: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    client = session_client(admin)
    assert client.get("/users/").status_code == 200
    weak = client.post(
        "/users/new/", {"username": "yte.bg", "unit": commune.pk, "roles": ["health_officer"], "password": "abc"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors["password"]
    response = client.post(
        "/users/new/",
        {
            "username": "yte.bg",
            "full_name": "Y tế Bản Giang",
            "unit": commune.pk,
            "roles": ["health_officer"],
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="yte.bg")
    assert created.unit_path == BAN_GIANG
    edit = client.post(
        f"/users/{created.pk}/", {"full_name": "Y tế", "unit": commune.pk, "roles": ["tracer"], "is_active": ""}
    )
    assert edit.status_code == 302
    created.refresh_from_db()
    assert created.roles == ["tracer"] and not created.is_active
    assert client.post(f"/users/{created.pk}/password/", {"password": "Mat-khau-moi-2021!"}).status_code == 302
    created.refresh_from_db()
    assert created.check_password("Mat-khau-moi-2021!")


def test_user_admin_cannot_reach_users_outside_the_subtree(make_user: Any, other_commune: Any) -> None:
    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    outsider = make_user(Role.TRACER, MUONG_SO)
    client = session_client(admin)
    assert client.get(f"/users/{outsider.pk}/").status_code == 404
    response = client.post(
        "/users/new/", {"username": "ngoai", "unit": other_commune.pk, "roles": ["tracer"], "password": PASSWORD}
    )
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert not User.objects.filter(username="ngoai").exists()
    assert session_client(make_user(Role.COMMANDER, TAM_DUONG)).get("/users/").status_code == 403


def test_own_tokens_created_shown_once_and_revoked(make_user: Any) -> None:
    officer = make_user(Role.TRACER, BAN_GIANG)
    other = make_user(Role.TRACER, BAN_GIANG)
    client = session_client(officer)
    response = client.post("/account/tokens/", {"name": "Hệ thống xã"})
    key = response.context["new_key"]
    token = ApiToken.objects.get(user=officer)
    assert key.startswith(token.prefix) and key in response.content.decode()
    assert key not in client.get("/account/tokens/").content.decode()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    other_token = ApiToken.objects.create(user=other, name="x", prefix="chy_x", key_hash="0" * 64)
    assert client.post(f"/account/tokens/{other_token.pk}/revoke/").status_code == 404
    other_token.refresh_from_db()
    assert other_token.revoked_at is None


def test_audit_log_pages_with_a_cursor(make_user: Any) -> None:
    from chihuy.core.audit import audit_record

    admin = make_user(Role.SYSADMIN, TAM_DUONG)
    for i in range(60):
        audit_record(actor=admin, action="view", object_type="people.person", object_id=str(i), unit_path=BAN_GIANG)
    client = session_client(admin)
    first = client.get("/audit/", {"action": "view"})
    cursor = first.context["page"].next_cursor
    assert len(first.context["page"].items) == 50 and cursor
    assert f"action=view&amp;cursor={cursor}" in first.content.decode()
    second = client.get("/audit/", {"action": "view", "cursor": cursor})
    ids = [e.object_id for e in first.context["page"].items + second.context["page"].items]
    assert sorted(ids, key=int) == [str(i) for i in range(60)]
    assert second.context["page"].next_cursor is None
