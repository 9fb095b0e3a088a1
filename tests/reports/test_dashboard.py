"""The commander's dashboard: its numbers equal a fresh recount from the raw rows (province, district, commune),
the day-over-day change, a fixed number of queries whatever the number of communes and cases, the area rule (a
commune user cannot open another commune's dashboard: 404), the public page without personal data, the facts
job's command."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chihuy.accounts.roles import Role
from chihuy.cases import services as cases
from chihuy.cases.enums import CaseStatus, DetectionWay
from chihuy.labs.services.samples import sample_take
from chihuy.places.enums import AgeBand
from chihuy.places.models import Population
from chihuy.reports import facts
from chihuy.reports.dashboard import dashboard_build, public_summary
from chihuy.reports.models import LevelAssessment
from chihuy.vaccination.models import Dose, Vaccine
from tests.conftest import BAN_GIANG, BINH_LU, LAI_CHAU, MUONG_SO, TAM_DUONG, session_client, unit

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
D = dt.date
DAY = D(2021, 11, 11)
NOW = dt.datetime(2021, 11, 11, 15, 0, tzinfo=VN)  # the reporting day 11/11 is running


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2021, 11, day, hour, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.HEALTH_OFFICER, LAI_CHAU)


@pytest.fixture
def commander(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.COMMANDER, LAI_CHAU)


def report(officer: Any, person: Any, when: dt.datetime, way: str = DetectionWay.COMMUNITY, known: bool = True) -> Any:
    return cases.case_report(
        actor=officer, person=person, detection_way=way, detected_at=when, sample_date=when.date(), source_known=known
    )


@pytest.fixture
def scene(officer: Any, make_person: Callable[..., Any]) -> dict[str, Any]:
    """10/11: two community F0 in Bản Giang (one of unknown source); 11/11: a third (unknown source) and one found in
    quarantine in Bản Giang, one imported in Bình Lư, one in Mường So; one F0 of the 10th recovered on the 11th;
    doses and a tube; populations of Bản Giang and Bình Lư."""
    with time_machine.travel(at(11, 12), tick=False):
        names = ["Lò Văn Pằn", "Tao Thị Xinh", "Lường Văn Hặc", "Vàng A Sử", "Giàng Thị Mỷ", "Pờ Xuân Cà"]
        paths = [BAN_GIANG, BAN_GIANG, BAN_GIANG, BAN_GIANG, BINH_LU, MUONG_SO]
        people = [
            make_person(full_name=n, unit_path=p, phone=f"09120005{i:02d}")
            for i, (n, p) in enumerate(zip(names, paths, strict=True))
        ]
        first = report(officer, people[0], at(10, 9), known=False)
        report(officer, people[1], at(10, 11))
        report(officer, people[2], at(11, 8), known=False)
        report(officer, people[3], at(11, 9), DetectionWay.QUARANTINE)
        report(officer, people[4], at(11, 10), DetectionWay.IMPORTED)
        report(officer, people[5], at(11, 10))
        cases.case_transition(actor=officer, case=first, to=CaseStatus.RECOVERED, reason="Khỏi")
        sample_take(actor=officer, code="LC-0100", person_ids=[people[3].pk], collected_at=at(11, 7))
        az = Vaccine.objects.get(code="AZ")
        for person, number, day in ((people[0], 1, 10), (people[1], 1, 11), (people[4], 2, 11)):
            Dose.objects.create(
                person=person,
                unit_path=person.unit_path,
                dose_number=number,
                vaccine=az,
                given_on=D(2021, 11, day),
                age_band=AgeBand.A50_64,
                completes_primary=number == 2,
            )
        for path, count in ((BAN_GIANG, 400), (BINH_LU, 100)):
            for band in (AgeBand.A18_49, AgeBand.A50_64):
                Population.objects.create(
                    unit=unit(path), unit_path=path, year=2019, age_band=band, count=count, is_estimate=True
                )
        facts.facts_refresh()
    return {"people": people}


def recounted(path: str, day: dt.date) -> dict[str, Any]:
    """The dashboard's figures computed straight from the raw rows (no fact read)."""
    cells = facts.facts_recount(unit=unit(path))

    def on(metric: str, when: dt.date = day) -> int:
        return cells.get((when, metric), 0)

    def upto(metric: str) -> int:
        return sum(v for (d, m), v in cells.items() if m == metric and d <= day)

    return {
        "new_f0": sum(on(m) for m in facts.NEW_F0),
        "unknown_source": on("f0_unknown_source"),
        "under_treatment": sum(upto(m) for m in facts.NEW_F0) - upto("f0_recovered") - upto("f0_died"),
        "recovered": on("f0_recovered"),
        "died": on("f0_died"),
        "f1_new": on("f1_new"),
        "f2_new": on("f2_new"),
        "tests_taken": on("tests_pcr") + on("tests_rapid"),
        "tests_positive": on("tests_positive"),
        "doses": on("dose_1") + on("dose_2") + on("dose_3"),
    }


@pytest.mark.parametrize("path", [LAI_CHAU, TAM_DUONG, BAN_GIANG, BINH_LU])
def test_the_numbers_equal_a_fresh_recount(scene: dict[str, Any], commander: Any, path: str) -> None:
    with time_machine.travel(NOW, tick=False):
        board = dashboard_build(actor=commander, unit=unit(path))

    assert board.day == DAY
    expected = recounted(path, DAY)
    assert {key: board.number(key).value for key in expected} == expected


def test_the_province_on_the_11th_and_its_change_since_the_10th(scene: dict[str, Any], commander: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        board = dashboard_build(actor=commander, unit=unit(LAI_CHAU))

    new = board.number("new_f0")
    assert (new.value, new.previous, new.change) == (4, 2, 2)
    treated = board.number("under_treatment")
    assert (treated.value, treated.previous, treated.change) == (5, 2, 3)  # 2 + 4 new − 1 recovered
    assert (board.number("unknown_source").value, board.number("unknown_source").previous) == (1, 1)
    assert [(o.key, o.value, o.previous) for o in board.origins] == [
        ("origin_community", 2, 2),
        ("origin_quarantine", 1, 0),
        ("origin_lockdown", 0, 0),
        ("origin_imported", 1, 0),
    ]
    assert (board.number("doses").value, board.number("doses").previous) == (2, 1)
    # ≥ 18 with ≥ 1 dose: 2 people of 1,000 in Bản Giang and Bình Lư (Mường So has no population: the province's
    # denominator is what is loaded); the day before, 1.
    assert (board.number("first_18_pct").value, board.number("first_18_pct").previous) == (0.2, 0.1)
    assert (board.number("full_50_pct").value, board.number("full_50_pct").previous) == (0.2, 0.0)
    curve = {d["key"]: d["data"] for d in board.curve["datasets"]}
    assert len(board.curve["days"]) == 28 and board.curve["days"][-1] == "2021-11-11"
    assert (curve["community"][-2:], curve["quarantine"][-2:], curve["imported"][-2:]) == ([2, 2], [0, 1], [0, 1])
    tam_duong = next(c for c in board.children if c.unit.path == TAM_DUONG)
    assert (tam_duong.new_7d, tam_duong.population, tam_duong.per_100k) == (5, 1000, 500.0)
    ban_giang = next(p for p in board.points if p.unit_id == unit(BAN_GIANG).pk)
    assert ban_giang.new_7d == 4
    assert board.facts_at is not None


def test_the_level_in_force_colours_the_children_and_the_map(scene: dict[str, Any], commander: Any) -> None:
    for path, level in ((BAN_GIANG, 3), (TAM_DUONG, 2)):
        LevelAssessment.objects.create(
            unit=unit(path),
            unit_path=path,
            week_end=D(2021, 11, 10),
            rule_set="4800",
            computed_level=level,
            level=level,
            explanation=f"Cấp {level}",
            assessed_at=at(10, 17),
        )
    with time_machine.travel(NOW, tick=False):
        province = dashboard_build(actor=commander, unit=unit(LAI_CHAU))
        district = dashboard_build(actor=commander, unit=unit(TAM_DUONG))

    assert next(c.level for c in province.children if c.unit.path == TAM_DUONG) == 2
    assert next(p.level for p in province.points if p.unit_id == unit(BAN_GIANG).pk) == 3
    assert district.level is not None and district.level.level == 2
    assert next(c.level for c in district.children if c.unit.path == BAN_GIANG) == 3


def _queries(actor: Any, path: str) -> int:
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
        dashboard_build(actor=actor, unit=unit(path))
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_communes_or_cases(
    scene: dict[str, Any], commander: Any, officer: Any, make_person: Callable[..., Any]
) -> None:
    before = {path: _queries(commander, path) for path in (LAI_CHAU, TAM_DUONG, BAN_GIANG)}
    with time_machine.travel(at(11, 13), tick=False):
        for i, path in enumerate([BINH_LU, MUONG_SO, BAN_GIANG, BINH_LU] * 3):
            person = make_person(full_name=f"Người {i}", unit_path=path)
            report(officer, person, at(11 - i % 5, 8), DetectionWay.COMMUNITY)
        facts.facts_refresh()
    after = {path: _queries(commander, path) for path in (LAI_CHAU, TAM_DUONG, BAN_GIANG)}

    assert after == before
    # The province (106 communes on the map, 8 districts) reads as many statements as a commune.
    assert before[LAI_CHAU] == before[TAM_DUONG] == before[BAN_GIANG] == 14


def test_a_commune_user_cannot_open_another_communes_dashboard(
    scene: dict[str, Any], make_user: Callable[..., Any], api_client: Any
) -> None:
    user = make_user(Role.HEALTH_OFFICER, BAN_GIANG)
    client = session_client(user)
    with time_machine.travel(NOW, tick=False):
        own = client.get("/bang-dieu-hanh/")
        other = client.get(f"/bang-dieu-hanh/?unit={unit(BINH_LU).pk}")
        up = client.get(f"/bang-dieu-hanh/?unit={unit(TAM_DUONG).pk}")
        api = api_client(user).get(f"/api/reports/dashboard?unit_id={unit(BINH_LU).pk}")

    assert own.status_code == 200
    assert own.context["d"].unit.path == BAN_GIANG
    assert (other.status_code, up.status_code, api.status_code) == (404, 404, 404)


def test_the_screen_shows_the_numbers_the_map_and_the_updated_time(scene: dict[str, Any], commander: Any) -> None:
    client = session_client(commander)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/bang-dieu-hanh/?unit={unit(TAM_DUONG).pk}")
        body = client.get(f"/bang-dieu-hanh/noi-dung/?unit={unit(TAM_DUONG).pk}")
        wall = client.get("/bang-dieu-hanh/man-hinh-lon/")
        fives = client.get("/bang-dieu-hanh/5s/")
        xlsx = client.get("/bang-dieu-hanh/bang-dieu-hanh.xlsx")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Số liệu cập nhật đến 12:00 ngày 11/11/2021" in html
    assert 'id="dashboard-curve"' in html and 'id="dashboard-map"' in html
    assert 'hx-trigger="every 60s"' in html
    points = page.context["points"]
    assert {p["name"] for p in points} >= {"Xã Bản Giang", "Xã Bình Lư"}
    assert body.status_code == 200 and b"<nav" not in body.content
    assert wall.status_code == 200 and b"dash-wall" in wall.content and b"navbar" not in wall.content
    assert fives.status_code == 200 and b"dashboard-fives-count" in fives.content
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_public_page_has_counts_and_levels_but_no_personal_data(scene: dict[str, Any], client: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        page = client.get("/cong-khai/cap-do-dich/")
        api = client.get("/api/reports/public")
        summary = public_summary()

    assert page.status_code == 200 and api.status_code == 200
    assert (summary["province"]["new_today"], summary["province"]["new_7d"]) == (4, 6)
    assert (summary["province"]["under_treatment"], summary["province"]["recovered"]) == (5, 1)
    assert len(summary["communes"]) > 100 and all("new_7d" not in c for c in summary["communes"])
    text = page.content.decode() + api.content.decode()
    for person in scene["people"]:
        assert person.full_name not in text
        assert person.phone not in text
    assert page["Cache-Control"] == "public, max-age=60"


def test_the_public_summary_is_cached_for_a_minute(scene: dict[str, Any], officer: Any, make_person: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        first = public_summary()
        report(officer, make_person(full_name="Người mới"), at(11, 14))
        facts.facts_refresh()
        cached = public_summary()
        cache.clear()
        fresh = public_summary()

    assert first["province"]["new_today"] == cached["province"]["new_today"] == 4
    assert fresh["province"]["new_today"] == 5


def test_the_command_refreshes_incrementally_and_rebuilds(scene: dict[str, Any]) -> None:
    out = io.StringIO()
    with time_machine.travel(at(11, 14), tick=False):
        call_command("facts_refresh", stdout=out)
        call_command("facts_refresh", "--rebuild", stdout=out)
    incremental, rebuild = (json.loads(line) for line in out.getvalue().splitlines())

    assert incremental["full"] is False and incremental["facts_up_to"] == "2021-11-11T07:00:00+00:00"
    assert rebuild["full"] is True and rebuild["fact_rows_written"] == facts.Fact.objects.count()


def test_the_series_api_lists_every_day_and_names_bad_metrics(
    scene: dict[str, Any], commander: Any, api_client: Any
) -> None:
    client = api_client(commander)
    province = unit(LAI_CHAU).pk
    with time_machine.travel(NOW, tick=False):
        ok = client.get(f"/api/reports/facts?unit_id={province}&metrics=f0_community,f0_imported&first=2021-11-09")
        bad = client.get(f"/api/reports/facts?unit_id={province}&metrics=f0_nowhere")

    assert ok.status_code == 200
    assert ok.json()["series"] == {"f0_community": [0, 2, 2], "f0_imported": [0, 0, 1]}
    assert ok.json()["days"] == ["2021-11-09", "2021-11-10", "2021-11-11"]
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "metrics"


def test_the_task_refreshes_and_a_second_run_finds_nothing_changed(scene: dict[str, Any]) -> None:
    from chihuy.reports.tasks import facts_refresh_task

    with time_machine.travel(at(11, 14), tick=False):
        first = facts_refresh_task.call()
    with time_machine.travel(at(11, 14) + dt.timedelta(minutes=10), tick=False):
        second = facts_refresh_task.call()
        rebuilt = facts_refresh_task.call(rebuild=True)

    # Written at 12:00 and refreshed then: the rows are still newer than the bookmark − 5 minutes, so Bản Giang, Bình
    # Lư, Mường So, their two districts and the province are recomputed once more.
    assert first["full"] is False and first["units"] == 6
    assert second == {"units": 0, "rows": 0, "full": False}
    assert rebuilt["full"] is True and rebuilt["rows"] == facts.Fact.objects.count()
