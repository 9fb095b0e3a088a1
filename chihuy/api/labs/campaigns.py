"""Labs and sampling campaigns: the labs a tube can go to, a campaign with its progress, its list of people,
its status, the marks of people absent or refusing, and the follow-up tubes still to take."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chihuy.api.labs.common import _actor, _campaign, _lab, _on_field, _target, _targets_out, _unit, _within
from chihuy.api.labs.schemas import (
    AddedOut,
    CampaignDetailOut,
    CampaignIn,
    CampaignPage,
    CampaignQuery,
    CampaignTransitionIn,
    FollowUpQuery,
    LabOut,
    PeopleIn,
    TargetMarkIn,
    TargetOut,
    TargetPage,
    TargetQuery,
)
from chihuy.core.errors import ApplicationError, not_found
from chihuy.core.pagination import keyset_page
from chihuy.labs import selectors, services
from chihuy.labs.models import Campaign
from chihuy.response import labs as response

router = Router(tags=["labs: campaigns"])


def _detail(campaign: Campaign) -> Campaign:
    campaign.progress = selectors.campaign_progress(campaign)  # type: ignore[attr-defined]
    return campaign


@router.get("/", response=list[LabOut], summary="Phòng xét nghiệm có thể gửi mẫu đến")
def list_labs(request: HttpRequest) -> Any:
    return selectors.lab_list(actor=_actor(request))


@router.get("/mine", response=list[LabOut], summary="Phòng xét nghiệm mà người dùng làm việc")
def my_labs(request: HttpRequest) -> Any:
    return selectors.labs_of(_actor(request))


@router.get("/campaigns", response=CampaignPage, summary="Đợt lấy mẫu trong địa bàn (mới nhất trước)")
def list_campaigns(request: HttpRequest, query: Query[CampaignQuery]) -> Any:
    actor = _actor(request)
    qs = selectors.campaign_list(actor=actor, within=_within(actor, query.within_unit_id), status=query.status or "")
    return keyset_page(qs, order=["-planned_on", "-id"], cursor=query.cursor, limit=query.limit)


@router.post(
    "/campaigns",
    response={201: CampaignDetailOut},
    summary="Lập đợt lấy mẫu (thôn, xã, nơi làm việc, khu cách ly, danh sách; hoặc mọi F1 của một ổ dịch)",
)
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Any:
    actor = _actor(request)
    lab = _lab(actor, payload.lab_id)
    if payload.from_cluster_id is not None:
        from chihuy.cases.selectors import cluster_get

        try:
            cluster = cluster_get(actor=actor, cluster_id=payload.from_cluster_id)
        except ApplicationError as exc:
            raise _on_field(exc, "from_cluster_id", _("Không tìm thấy ổ dịch trong địa bàn của bạn.")) from exc
        campaign = response.campaign_for_cluster(
            actor=actor,
            cluster=cluster,
            name=payload.name,
            planned_on=payload.planned_on,
            pool_size=payload.pool_size,
            lab=lab,
            teams=payload.teams,
            sites=payload.sites,
        )
    else:
        campaign = services.campaign_create(
            actor=actor,
            name=payload.name,
            kind=payload.kind,
            unit=_unit(payload.unit_id),
            planned_on=payload.planned_on,
            pool_size=payload.pool_size,
            test_method=payload.test_method,
            lab=lab,
            teams=payload.teams,
            sites=payload.sites,
            person_ids=payload.person_ids,
            note=payload.note,
        )
    return Status(201, _detail(selectors.campaign_get(actor=actor, campaign_id=campaign.pk)))


@router.get("/campaigns/{int:campaign_id}", response=CampaignDetailOut, summary="Một đợt lấy mẫu và tiến độ")
def get_campaign(request: HttpRequest, campaign_id: int) -> Any:
    return _detail(selectors.campaign_get(actor=_actor(request), campaign_id=campaign_id))


@router.post("/campaigns/{int:campaign_id}/people", response=AddedOut, summary="Thêm người vào danh sách cần lấy mẫu")
def add_people(request: HttpRequest, campaign_id: int, payload: PeopleIn) -> Any:
    actor = _actor(request)
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    return {"added": services.campaign_add_people(actor=actor, campaign=campaign, person_ids=payload.person_ids)}


@router.post(
    "/campaigns/{int:campaign_id}/transition",
    response=CampaignDetailOut,
    summary="Đổi trạng thái đợt lấy mẫu (đang lấy mẫu, kết thúc)",
)
def transition_campaign(request: HttpRequest, campaign_id: int, payload: CampaignTransitionIn) -> Any:
    actor = _actor(request)
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    services.campaign_transition(actor=actor, campaign=campaign, to=payload.to)
    return _detail(selectors.campaign_get(actor=actor, campaign_id=campaign_id))


@router.get(
    "/campaigns/{int:campaign_id}/targets",
    response=TargetPage,
    summary="Danh sách người cần lấy mẫu của đợt (theo thôn, tên; phòng xét nghiệm không xem)",
)
def list_targets(request: HttpRequest, campaign_id: int, query: Query[TargetQuery]) -> Any:
    actor = _actor(request)
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    if selectors.lab_only(actor):  # a lab sees the campaign and its counts, not the list of residents
        raise not_found()
    qs = selectors.campaign_targets(
        actor=actor, campaign=campaign, status=query.status or "", reason=query.reason or ""
    )
    page = keyset_page(
        qs, order=["person__unit_path", "person__name_folded", "id"], cursor=query.cursor, limit=query.limit
    )
    return {"items": _targets_out(actor, page.items), "next_cursor": page.next_cursor}


@router.post(
    "/targets/{int:target_id}/mark", response=TargetOut, summary="Đánh dấu vắng mặt, từ chối hoặc chưa lấy mẫu"
)
def mark_target(request: HttpRequest, target_id: int, payload: TargetMarkIn) -> Any:
    actor = _actor(request)
    target = _target(actor, target_id)
    services.target_mark(actor=actor, target=target, status=payload.status, note=payload.note)
    return _targets_out(actor, [_target(actor, target_id)])[0]


@router.get(
    "/follow-ups",
    response=TargetPage,
    summary="Người cần lấy mẫu tiếp: lấy lại mẫu đơn (mẫu gộp dương tính), khẳng định RT-PCR, lấy lại",
)
def list_follow_ups(request: HttpRequest, query: Query[FollowUpQuery]) -> Any:
    actor = _actor(request)
    qs = selectors.follow_up_list(
        actor=actor, within=_within(actor, query.within_unit_id), campaign=_campaign(actor, query.campaign_id)
    )
    page = keyset_page(qs, order=["created_at", "id"], cursor=query.cursor, limit=query.limit)
    return {"items": _targets_out(actor, page.items), "next_cursor": page.next_cursor}
