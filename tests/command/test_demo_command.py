"""The demo's command centres: every unit of Lai Châu has one, the week is rostered except Bình Lư, and the
seeds' directives are there with done and overdue tasks; a second run adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.command import selectors
from chihuy.command.models import CentreMember, CommandCentre, Directive, DirectiveTask, Shift, TaskStatus
from chihuy.web.management.demo_command import build_command


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    from chihuy.web.management import demo_data

    demo_data.build(people_per_commune_in_district=1, people_in_ban_giang=20)
    return build_command()


def test_demo_centres_roster_and_directives(demo: dict[str, Any]) -> None:
    assert demo["centres_created"] == 1 + 8 + 106 == CommandCentre.objects.count()
    ban_giang = CommandCentre.objects.get(unit_path="12/106/03418/")
    commander = CentreMember.objects.get(centre=ban_giang, position="commander", is_active=True)
    assert commander.user is not None and commander.user.username == "xa_chihuy"
    assert not Shift.objects.filter(centre__unit_path="12/106/03412/").exists()
    assert selectors.roster_gaps(CommandCentre.objects.get(unit_path="12/106/03412/"), hours=24)
    assert selectors.on_duty_now(ban_giang)  # somebody is on duty in Bản Giang now
    first = Directive.objects.get(number="2642/UBND-VX")
    assert first.tasks.count() == 8 + 106
    assert first.tasks.get(unit__path="12/106/03418/").deadline.isoformat() == "2021-08-28"
    done = DirectiveTask.objects.filter(status=TaskStatus.DONE).values_list("directive__number", "unit_path")
    assert sorted(done) == [
        ("2642/UBND-VX", "12/106/"),
        ("2642/UBND-VX", "12/106/03418/"),
        ("TB-UBND 08/11/2021", "12/106/03418/"),
    ]
    assert DirectiveTask.objects.exclude(status=TaskStatus.DONE).count() == 8 + 106 + 8 + 1 - 3
    assert demo["directives_created"] == 2


def test_second_run_adds_nothing(demo: dict[str, Any]) -> None:
    again = build_command()
    assert (again["centres_created"], again["shifts_created"], again["directives_created"]) == (0, 0, 0)
