"""`make run`'s data: the demo province is real Lai Châu, its estimates sum to the census, and a second run
changes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from chihuy.accounts.models import User
from chihuy.accounts.roles import Role
from chihuy.people.models import Person
from chihuy.places.models import Population, Unit


@pytest.fixture
def demo(db: Any) -> None:
    from chihuy.web.management import demo_data

    demo_data.build(people_per_commune_in_district=3, people_in_ban_giang=60)


def counts() -> tuple[int, int, int, int]:
    return Unit.objects.count(), Population.objects.count(), Person.objects.count(), User.objects.count()


def test_demo_is_real_lai_chau_with_estimates_summing_to_census(demo: None) -> None:
    province = Unit.objects.get(path="12/")
    assert province.name == "Tỉnh Lai Châu"
    assert Unit.objects.filter(level="district", path__under="12/").count() == 8
    assert Unit.objects.filter(level="commune", path__under="12/").count() == 106
    assert Unit.objects.filter(level="village", is_demo=True).count() == 106 * 4
    assert Population.objects.filter(year=2019).aggregate(total=Sum("count"))["total"] == 460_196
    assert not Population.objects.filter(is_estimate=False).exists()
    ban_giang = Unit.objects.get(path="12/106/03418/")
    assert Person.objects.filter(unit_path__under=ban_giang.path, full_name="Nguyễn Văn An").count() == 1


def test_one_demo_account_per_role_and_level(demo: None) -> None:
    for prefix, path in (("tinh", "12/"), ("huyen", "12/106/"), ("xa", "12/106/03418/")):
        users = User.objects.filter(username__startswith=f"{prefix}_")
        assert users.count() == len(Role)
        assert {r for u in users for r in u.roles} == set(Role.values)
        assert {u.unit_path for u in users} == {path}
    assert User.objects.get(username="tinh_quantri").is_superuser


def test_second_run_duplicates_nothing(demo: None) -> None:
    from chihuy.reports.models import DailyReport, Fact, LevelAssessment
    from chihuy.vaccination.models import Dose

    def everything() -> tuple[int, ...]:
        return (
            *counts(),
            Dose.objects.count(),
            Fact.objects.count(),
            LevelAssessment.objects.count(),
            DailyReport.objects.count(),
        )

    before = counts()
    call_command("demo", stdout=io.StringIO())
    # The first full run adds only the duty officers of the two other communes whose daily reports the demo shows.
    assert counts() == (*before[:3], before[3] + 2)
    seeded = everything()
    assert min(seeded[4:]) > 0
    call_command("demo", stdout=io.StringIO())
    assert everything() == seeded


def test_the_ban_giang_outbreak_of_seed_001(demo: None) -> None:
    from chihuy.cases.enums import NoticeStatus
    from chihuy.cases.models import Case, Classification, Cluster, ExposureNotice, LevelChange

    cases = Case.objects.filter(is_demo=True, unit_path__startswith="12/106/03418/")
    assert cases.count() == 15
    assert cases.filter(source_known=False).count() == 3
    assert Cluster.objects.get(is_demo=True).cases.count() == 15
    assert ExposureNotice.objects.get().status == NoticeStatus.APPROVED
    assert set(Classification.objects.exclude(level=None).values_list("level", flat=True)) == {0, 1, 2}
    # F2 who became F1 when their F1 turned positive: the cascade, with its reasons
    assert LevelChange.objects.filter(from_level=2, to_level=1).exists()


def test_the_ban_giang_venues_and_the_f1_candidates_of_their_scans(demo: None) -> None:
    from chihuy.tracing.enums import CandidateStatus
    from chihuy.tracing.models import CheckIn, ExposureCandidate, Venue
    from chihuy.web.management.demo_tracing import seed_tracing

    first = seed_tracing()
    assert first == {"venues": 5, "checkins_created": 48, "candidates_created": 46}
    assert Venue.objects.filter(unit_path="12/106/03418/", status="active").count() == 5
    assert set(ExposureCandidate.objects.values_list("status", flat=True)) == {CandidateStatus.PENDING}
    assert seed_tracing() == {"venues": 5, "checkins_created": 0, "candidates_created": 0}
    assert CheckIn.objects.count() == first["checkins_created"]
