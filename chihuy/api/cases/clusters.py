"""Clusters (ổ dịch), their summary and suggestions, and transmission graphs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from chihuy.api.cases.common import (
    _actor,
    _within,
)
from chihuy.api.cases.schemas import (
    ClusterCasesIn,
    ClusterDetailOut,
    ClusterIn,
    ClusterOut,
    GraphOut,
    GraphQuery,
    PersonGraphQuery,
    SuggestionOut,
)
from chihuy.cases import selectors, services
from chihuy.cases.graph import cluster_graph, graph_json, graph_limit, person_graph
from chihuy.people import selectors as people_selectors
from chihuy.places.selectors import unit_get

router = Router(tags=["clusters"])


# --- clusters and graphs -------------------------------------------------------------------------


@router.get("/clusters", response=list[ClusterOut], summary="Ổ dịch trong địa bàn")
def list_clusters(request: HttpRequest, status: str = "", within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    return list(selectors.cluster_list(actor=actor, within=_within(actor, within_unit_id), status=status)[:500])


@router.post("/clusters", response={201: ClusterOut}, summary="Tạo ổ dịch (có thể kèm các ca)")
def create_cluster(request: HttpRequest, payload: ClusterIn) -> Any:
    actor = _actor(request)
    unit = unit_get(unit_id=payload.unit_id)
    cluster = services.cluster_create(
        actor=actor, name=payload.name, unit=unit, kind=payload.kind, case_ids=payload.case_ids, note=payload.note
    )
    return Status(201, selectors.cluster_get(actor=actor, cluster_id=cluster.pk))


@router.get("/clusters/suggestions", response=list[SuggestionOut], summary="Gợi ý ổ dịch cho các ca chưa thuộc ổ nào")
def cluster_suggestions(request: HttpRequest, within_unit_id: int | None = None) -> Any:
    actor = _actor(request)
    return selectors.cluster_suggestions(actor=actor, within=_within(actor, within_unit_id))


@router.get(
    "/clusters/{int:cluster_id}",
    response=ClusterDetailOut,
    summary="Một ổ dịch: các ca, thế hệ, đường cong dịch, ca không rõ nguồn, gợi ý",
)
def get_cluster(request: HttpRequest, cluster_id: int) -> Any:
    actor = _actor(request)
    cluster = selectors.cluster_get(actor=actor, cluster_id=cluster_id)
    summary = selectors.cluster_summary(actor=actor, cluster=cluster)
    suggestions = [
        s for s in selectors.cluster_suggestions(actor=actor, within=cluster.unit_path) if s.cluster_id == cluster.pk
    ]
    return {
        "cluster": cluster,
        "cases": summary.cases,
        "generations": summary.generations,
        "epi_curve": [{"day": day, "cases": n} for day, n in summary.epi_curve],
        "unknown_source_case_ids": [c.pk for c in summary.unknown_source],
        "contacts_by_level": summary.contacts_by_level,
        "suggestions": suggestions,
    }


@router.post("/clusters/{int:cluster_id}/cases", response=ClusterOut, summary="Thêm ca vào ổ dịch")
def add_cluster_cases(request: HttpRequest, cluster_id: int, payload: ClusterCasesIn) -> Any:
    actor = _actor(request)
    cluster = selectors.cluster_get(actor=actor, cluster_id=cluster_id)
    services.cluster_add_cases(actor=actor, cluster=cluster, case_ids=payload.case_ids)
    return selectors.cluster_get(actor=actor, cluster_id=cluster_id)


@router.get(
    "/clusters/{int:cluster_id}/graph",
    response=GraphOut,
    summary="Sơ đồ chuỗi lây của ổ dịch (nút, cạnh, bố cục sẵn); quá giới hạn: truncated và lời nhắn",
)
def get_cluster_graph(request: HttpRequest, cluster_id: int, query: Query[GraphQuery]) -> Any:
    actor = _actor(request)
    cluster = selectors.cluster_get(actor=actor, cluster_id=cluster_id)
    payload = cluster_graph(
        actor=actor,
        cluster=cluster,
        date_from=query.date_from,
        date_to=query.date_to,
        max_nodes=graph_limit("api"),
    )
    return HttpResponse(graph_json(payload), content_type="application/json")


@router.get(
    "/graph/person/{int:person_id}",
    response=GraphOut,
    summary="Sơ đồ tiếp xúc quanh một người (trong `hops` bước)",
)
def get_person_graph(request: HttpRequest, person_id: int, query: Query[PersonGraphQuery]) -> Any:
    actor = _actor(request)
    person = people_selectors.person_get(actor=actor, person_id=person_id, audit=False)
    payload = person_graph(
        actor=actor,
        person=person,
        hops=query.hops,
        date_from=query.date_from,
        date_to=query.date_to,
        max_nodes=graph_limit("api"),
    )
    return HttpResponse(graph_json(payload), content_type="application/json")
