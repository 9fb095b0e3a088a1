"""Campaigns: who a campaign targets, the fields it refuses (each named), adding people, the status table and
the audit trail — through the real services, the clock pinned to 10/11/2021."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.core.models import AuditEvent
from chihuy.labs import services
from chihuy.labs.enums import CampaignKind, CampaignStatus, TargetReason, TargetStatus
from chihuy.labs.enums import TestMethod as Method
from chihuy.labs.models import Campaign, CampaignTarget
from chihuy.places.models import Unit
from tests.conftest import BAN_GIANG, MUONG_SO
from tests.labs.conftest import NOW

pytestmark = pytest.mark.django_db


def fails(call: Callable[[], Any], code: str, field: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert (caught.value.code, [d["field"] for d in caught.value.details]) == (code, [field])
    return caught.value


def neighbour_village(village: Unit) -> Unit:
    commune = Unit.objects.get(path=BAN_GIANG)
    return Unit.objects.create(
        code="90009",
        name="Bản Hon",
        level="village",
        parent=commune,
        path=f"{BAN_GIANG}90009/",
        depth=commune.depth + 1,
    )


def create(officer: Any, unit: Unit, **values: Any) -> Campaign:
    values.setdefault("name", "Sàng lọc")
    values.setdefault("kind", CampaignKind.VILLAGE)
    values.setdefault("planned_on", NOW.date())
    return services.campaign_create(actor=officer, unit=unit, **values)


def test_village_campaign_targets_every_active_resident_and_no_neighbour(
    officer, village, residents, make_person
) -> None:
    # Given a neighbouring village of the same commune with its own resident, and a resident who left
    neighbour = neighbour_village(village)
    outsider = make_person(full_name="Lò Thị Hon", unit=neighbour, birth_year=1990)
    residents[5].is_active = False
    residents[5].save(update_fields=["is_active"])
    # When a village campaign is planned
    campaign = create(officer, village, pool_size=5)
    # Then every active resident of the village is targeted, planned and pending — nobody else
    targets = CampaignTarget.objects.filter(campaign=campaign)
    assert sorted(targets.values_list("person_id", flat=True)) == sorted(p.pk for p in residents[:5])
    assert outsider.pk not in set(targets.values_list("person_id", flat=True))
    assert set(targets.values_list("reason", "status")) == {(TargetReason.PLANNED, TargetStatus.PENDING)}
    assert (campaign.status, campaign.code, campaign.unit_path) == (
        CampaignStatus.PLANNED,
        "LM-2021-0001",
        village.path,
    )


def test_commune_kind_with_a_village_unit_is_refused_on_unit(officer, village, residents) -> None:
    fails(lambda: create(officer, village, kind=CampaignKind.COMMUNE), ErrorCode.VALIDATION, "unit")
    assert Campaign.objects.count() == 0


def test_pool_size_not_in_policy_is_refused(officer, village, residents) -> None:
    error = fails(lambda: create(officer, village, pool_size=3), ErrorCode.VALIDATION, "pool_size")
    assert "1, 5, 10" in error.message


def test_rapid_campaign_cannot_pool(officer, village, residents) -> None:
    fails(
        lambda: create(officer, village, pool_size=5, test_method=Method.RAPID_ANTIGEN),
        ErrorCode.VALIDATION,
        "pool_size",
    )
    assert Campaign.objects.count() == 0


def test_list_campaign_without_people_is_refused(officer, village) -> None:
    fails(lambda: create(officer, village, kind=CampaignKind.LIST), ErrorCode.VALIDATION, "person_ids")
    fails(lambda: create(officer, village, kind=CampaignKind.LIST, person_ids=[]), ErrorCode.VALIDATION, "person_ids")


def test_a_person_outside_the_officers_area_is_not_found(officer, village, residents, make_person) -> None:
    stranger = make_person(full_name="Giàng A Sử", unit_path=MUONG_SO, birth_year=1975)
    error = fails(
        lambda: create(officer, village, kind=CampaignKind.LIST, person_ids=[residents[0].pk, stranger.pk]),
        ErrorCode.NOT_FOUND,
        "person_ids",
    )
    assert f"#{stranger.pk}" in error.message
    assert Campaign.objects.count() == 0 and CampaignTarget.objects.count() == 0


def test_add_people_skips_those_already_on_the_list(officer, village, residents) -> None:
    campaign = create(officer, village, kind=CampaignKind.LIST, person_ids=[p.pk for p in residents[:3]])
    added = services.campaign_add_people(
        actor=officer,
        campaign=campaign,
        person_ids=[residents[1].pk, residents[2].pk, residents[3].pk, residents[4].pk],
    )
    assert added == 2
    assert sorted(campaign.targets.values_list("person_id", flat=True)) == sorted(p.pk for p in residents[:5])
    assert services.campaign_add_people(actor=officer, campaign=campaign, person_ids=[residents[0].pk]) == 0
    assert campaign.targets.count() == 5


def test_transition_table(officer, village, residents) -> None:
    campaign = create(officer, village)
    with pytest.raises(ApplicationError) as same:
        services.campaign_transition(actor=officer, campaign=campaign, to=CampaignStatus.PLANNED)
    assert same.value.code == ErrorCode.INVALID_TRANSITION
    assert services.campaign_transition(actor=officer, campaign=campaign, to=CampaignStatus.SAMPLING).status == (
        CampaignStatus.SAMPLING
    )
    assert services.campaign_transition(actor=officer, campaign=campaign, to=CampaignStatus.CLOSED).status == (
        CampaignStatus.CLOSED
    )
    for to in (CampaignStatus.SAMPLING, CampaignStatus.PLANNED):
        with pytest.raises(ApplicationError) as refused:
            services.campaign_transition(actor=officer, campaign=campaign, to=to)
        assert refused.value.code == ErrorCode.INVALID_TRANSITION
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    # A closed campaign takes no more people nor tubes.
    with pytest.raises(ApplicationError) as closed:
        services.campaign_add_people(actor=officer, campaign=campaign, person_ids=[residents[0].pk])
    assert closed.value.code == ErrorCode.INVALID_TRANSITION
    fails(
        lambda: services.sample_take(actor=officer, code="BG-9001", person_ids=[residents[0].pk], campaign=campaign),
        ErrorCode.INVALID_TRANSITION,
        "campaign",
    )


def test_audit_rows_written(officer, village, residents) -> None:
    campaign = create(officer, village)
    services.campaign_transition(actor=officer, campaign=campaign, to=CampaignStatus.CLOSED)
    rows = list(
        AuditEvent.objects.filter(object_type="labs.campaign", object_id=str(campaign.pk))
        .order_by("id")
        .values_list("action", "actor_id", "unit_path")
    )
    assert rows == [("create", officer.pk, village.path), ("update", officer.pk, village.path)]
    created = AuditEvent.objects.get(object_type="labs.campaign", action="create")
    assert created.after["targets"] == 6
    updated = AuditEvent.objects.get(object_type="labs.campaign", action="update")
    assert (updated.before, updated.after) == ({"status": "planned"}, {"status": "closed"})
