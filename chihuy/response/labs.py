"""5S orchestration of test results: a result is recorded in `labs`, and an individual positive goes on at once
into `cases` — an F0 report for the person the tube identifies (never matched by name), which starts tracing —
or, for a positive rapid test the rule in force does not accept alone, into an RT-PCR confirmation. The web
and the API call these functions for results, never the labs services directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.cases import selectors as case_selectors
from chihuy.cases import services as case_services
from chihuy.cases.enums import DetectionWay
from chihuy.cases.models import Cluster
from chihuy.core import clock
from chihuy.core.errors import ApplicationError
from chihuy.core.jobs import job_create
from chihuy.core.models import Job
from chihuy.labs import policies
from chihuy.labs import services as lab_services
from chihuy.labs.enums import CampaignKind, Result, TargetReason, TestMethod
from chihuy.labs.imports import ResultImportReport
from chihuy.labs.imports import results_import as labs_results_import
from chihuy.labs.models import Campaign, Lab, Sample
from chihuy.labs.selectors import rapid_positive_within
from chihuy.people.models import Person
from chihuy.places.models import Unit
from chihuy.response import exposure as exposure_response
from chihuy.response import isolation as isolation_response

JOB_KIND = "labs.results"


@dataclass
class ResultOutcome:
    sample: Sample
    changed: bool
    case_numbers: list[str] = field(default_factory=list)
    follow_ups: int = 0
    not_confirmed: list[dict[str, Any]] = field(default_factory=list)


def _detection_way(positive: lab_services.Positive, quarantined: bool) -> str:
    if positive.campaign_kind == CampaignKind.FACILITY or quarantined:
        return DetectionWay.QUARANTINE
    return DetectionWay.COMMUNITY


def _rapid_makes_f0(positive: lab_services.Positive, level: int | None) -> bool:
    """11042/BYT-DP: an F1 (or closer) with a positive rapid test is an F0; two positive rapid tests within 8 h
    for a person with epidemiological factors (here: any F-level) too. Before it: never without RT-PCR."""
    rule = policies.rapid_rule(clock.localdate(positive.collected_at))
    max_level = rule.get("f0_max_level")
    if max_level is not None and level is not None and level <= int(max_level):
        return True
    hours = rule.get("two_within_hours")
    if hours is not None and level is not None:
        return rapid_positive_within(
            person_id=positive.person_id, around=positive.collected_at, hours=float(hours), exclude=positive.sample_id
        )
    return False


def _respond(actor: Any, effects: lab_services.Effects) -> tuple[list[str], int, list[dict[str, Any]]]:
    """F0 reports (or confirmation tubes) for the individual positives, all at once: a person already F0 (or made
    F0 by an earlier tube of the same run) joins that case; a person who cannot be confirmed (e.g. a deactivated
    record) is reported, and the other results still stand."""
    follow_ups = 0
    refused: list[dict[str, Any]] = []
    isolation_response.results_seen(sample_ids=effects.changed_ids)  # negatives answer quarantine test days
    if not effects.positives:
        return [], follow_ups, refused
    standing = case_selectors.person_standing([p.person_id for p in effects.positives])
    items: list[case_services.Confirmation] = []
    by_key: dict[int, lab_services.Positive] = {}
    for positive in effects.positives:
        state = standing[positive.person_id]
        if (
            positive.test_method == TestMethod.RAPID_ANTIGEN
            and not state.active_case_number
            and not _rapid_makes_f0(positive, state.level)
        ):
            sample = Sample.objects.get(pk=positive.sample_id)
            if lab_services.follow_up_create(
                sample=sample, person_id=positive.person_id, unit_path=positive.unit_path, reason=TargetReason.CONFIRM
            ):
                follow_ups += 1
            continue
        by_key[positive.sample_id] = positive
        items.append(
            case_services.Confirmation(
                key=positive.sample_id,
                person_id=positive.person_id,
                detection_way=_detection_way(positive, state.quarantined),
                detected_at=clock.now(),
                sample_date=clock.localdate(positive.collected_at),
                test_type=positive.test_method,
                result_ref=positive.code,
                ct_value=positive.ct_min,
                place_detected=_("Xét nghiệm mẫu %(c)s") % {"c": positive.code},
            )
        )
    confirmed = case_services.case_confirm_many(actor=actor, items=items)
    lab_services.samples_link_cases([(key, by_key[key].person_id, number) for key, number in confirmed.numbers.items()])
    for key, message in confirmed.refused.items():
        refused.append({"code": by_key[key].code, "person_id": by_key[key].person_id, "message": message})
    # An F0 in quarantine: the stay ends POSITIVE and the roommates' clocks restart (issue 6).
    f0 = {by_key[key].person_id: number for key, number in confirmed.numbers.items()}
    isolation_response.positive_in_stays(actor=actor, person_ids=list(f0), case_numbers=f0)
    # Who was at the same venues around the same time: F1 candidates for the tracers (issue 7).
    exposure_response.exposures_for_cases(actor=actor, person_ids=list(f0))
    return confirmed.created, follow_ups, refused


@transaction.atomic
def result_record(
    *, actor: Any, sample: Sample, result: str, ct_values: Mapping[str, Any] | None = None, note: str = ""
) -> ResultOutcome:
    """One RT-PCR result by form; a single positive becomes an F0 with tracing started, in the same transaction."""
    effects = lab_services.result_record(actor=actor, sample=sample, result=result, ct_values=ct_values, note=note)
    numbers, follow_ups, refused = _respond(actor, effects)
    sample.refresh_from_db()
    return ResultOutcome(
        sample=sample,
        changed=bool(effects.changed_ids),
        case_numbers=numbers,
        follow_ups=effects.follow_ups + follow_ups,
        not_confirmed=refused,
    )


@transaction.atomic
def rapid_test_record(
    *,
    actor: Any,
    person: Person,
    result: str,
    campaign: Campaign | None = None,
    code: str = "",
    team: str = "",
    site: str = "",
    collected_at: dt.datetime | None = None,
) -> ResultOutcome:
    """A rapid antigen test read on the spot; a positive is an F0 when the rule in force says so (F1 + positive
    rapid test under 11042), otherwise the person gets an RT-PCR confirmation tube."""
    sample = lab_services.rapid_test_take(
        actor=actor,
        person=person,
        result=result,
        campaign=campaign,
        code=code,
        team=team,
        site=site,
        collected_at=collected_at,
    )
    effects = lab_services.rapid_effects(sample)
    numbers, follow_ups, refused = _respond(actor, effects)
    sample.refresh_from_db()
    return ResultOutcome(
        sample=sample,
        changed=True,
        case_numbers=numbers,
        follow_ups=effects.follow_ups + follow_ups,
        not_confirmed=refused,
    )


def results_import(
    *,
    actor: Any,
    lab: Lab,
    data: bytes,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
    source: str = "",
) -> ResultImportReport:
    """A lab's result file: labs checks every row and applies the valid ones; the individual positives become
    F0 reports in the same transaction."""
    with transaction.atomic():
        report, effects = labs_results_import(
            actor=actor, lab=lab, data=data, filename=filename, progress=progress, source=source
        )
        numbers, follow_ups, refused = _respond(actor, effects)
    report.cases = numbers
    report.follow_ups += follow_ups
    report.not_confirmed = refused
    return report


@transaction.atomic
def results_import_start(*, actor: Any, lab: Lab, data: bytes, filename: str) -> Job:
    """Queue a result file for the worker; the job reports progress and, at the end, the row report."""
    from chihuy.core.tabular import check_upload
    from chihuy.response.tasks import results_import_task

    require_perm(actor, Perm.LAB_WORK)
    lab_services.require_lab_member(actor, lab)
    check_upload(data, filename=filename)
    job = job_create(
        kind=JOB_KIND,
        actor=actor,
        unit_path=lab.unit_path,
        payload=data,
        input_name=filename,
        params={"lab_id": lab.pk},
    )
    transaction.on_commit(lambda: results_import_task.enqueue(job.pk))
    return job


@transaction.atomic
def campaign_for_cluster(
    *,
    actor: Any,
    cluster: Cluster,
    name: str,
    planned_on: dt.date,
    pool_size: int = 1,
    lab: Lab | None = None,
    teams: Sequence[str] = (),
    sites: Sequence[str] = (),
    max_level: int = 1,
) -> Campaign:
    """A list campaign for every current F1 of a cluster (seed 001 §6: test the F1 of each outbreak at once)."""
    person_ids = case_selectors.cluster_contact_ids(actor=actor, cluster=cluster, max_level=max_level)
    if not person_ids:
        raise ApplicationError.field("cluster", _("Ổ dịch chưa có F1 nào trong địa bàn của bạn."))
    return lab_services.campaign_create(
        actor=actor,
        name=name,
        kind=CampaignKind.LIST,
        unit=Unit.objects.get(pk=cluster.unit_id),
        planned_on=planned_on,
        pool_size=pool_size,
        lab=lab,
        teams=teams,
        sites=sites,
        person_ids=person_ids,
        note=_("Danh sách F1 của ổ dịch %(c)s") % {"c": cluster.name},
    )


__all__ = [
    "JOB_KIND",
    "Result",
    "ResultOutcome",
    "campaign_for_cluster",
    "rapid_test_record",
    "result_record",
    "results_import",
    "results_import_start",
]
