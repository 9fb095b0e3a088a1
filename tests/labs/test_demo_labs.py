"""The testing demo of `make run`: built through the real services, the story it tells is there, twice is once."""

from __future__ import annotations

from typing import Any

import pytest

from chihuy.labs.enums import Result, TargetReason
from chihuy.labs.models import Campaign, CampaignTarget, Sample
from chihuy.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> dict[str, Any]:
    from chihuy.web.management import demo_data
    from chihuy.web.management.demo_labs import build_labs

    demo_data.build(people_per_commune_in_district=1, people_in_ban_giang=200)
    return build_labs()


def test_the_demo_campaign_tells_the_story(demo: dict[str, Any]) -> None:
    campaign = Campaign.objects.get(is_demo=True)
    tubes = Sample.objects.filter(campaign=campaign)
    assert demo["tubes_created"] == tubes.count() >= 6
    assert tubes.filter(result=Result.POSITIVE).count() == 1
    assert tubes.filter(result=Result.PENDING).count() == demo["waiting"] == 5
    assert CampaignTarget.objects.filter(reason=TargetReason.RETEST).count() == 5 == demo["follow_ups"]
    assert tubes.exclude(overdue_alerted_at=None).count() == 2  # the two tubes that never left the commune
    assert Message.objects.filter(template="labs.overdue").exists()


def test_a_second_run_adds_nothing(demo: dict[str, Any]) -> None:
    from chihuy.web.management.demo_labs import build_labs

    before = Sample.objects.count()
    assert build_labs() == {"tubes_created": 0}
    assert Sample.objects.count() == before
