"""Directives, their tasks, progress reports with evidence, completion by unit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from chihuy.accounts.access import require_perm
from chihuy.accounts.roles import Perm
from chihuy.command import selectors, services
from chihuy.command.api.centres import _actor, _within
from chihuy.command.api.schemas import (
    CompletionOut,
    DirectiveDetailOut,
    DirectiveIn,
    DirectiveOut,
    DirectivePage,
    ReportOut,
    TaskOut,
    TaskPage,
)
from chihuy.command.models import DirectiveTask
from chihuy.places.selectors import unit_get

router = Router(tags=["command: directives, tasks"])


def _task_out(task: DirectiveTask) -> DirectiveTask:
    task.overdue = selectors.is_overdue(task)  # type: ignore[attr-defined]
    return task


@router.get("/directives", response=DirectivePage, summary="Văn bản chỉ đạo (của địa bàn và giao cho địa bàn)")
def list_directives(
    request: HttpRequest, status: str = "", q: str = "", cursor: str | None = None, limit: int = 50
) -> Any:
    page = selectors.directive_list(actor=_actor(request), status=status, q=q, cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/directives", response={201: DirectiveDetailOut}, summary="Soạn văn bản chỉ đạo kèm nhiệm vụ")
def create_directive(request: HttpRequest, payload: DirectiveIn) -> Any:
    actor = _actor(request)
    require_perm(actor, Perm.DIRECTIVE_ISSUE)
    centre = selectors.centre_get(actor=actor, centre_id=payload.centre_id)
    specs = [
        services.TaskSpec(unit=unit_get(unit_id=t.unit_id), description=t.description, deadline=t.deadline)
        for t in payload.tasks
    ]
    directive = services.directive_create(
        actor=actor,
        centre=centre,
        number=payload.number,
        issued_on=payload.issued_on,
        title=payload.title,
        summary=payload.summary,
        tasks=specs,
    )
    if payload.issue:
        directive = services.directive_issue(actor=actor, directive=directive)
    directive = selectors.directive_get(actor=actor, directive_id=directive.pk)
    tasks = [_task_out(t) for t in selectors.directive_tasks(actor=actor, directive=directive)]
    return Status(201, {"directive": directive, "tasks": tasks})


@router.get("/directives/{int:directive_id}", response=DirectiveDetailOut, summary="Một văn bản và các nhiệm vụ")
def get_directive(request: HttpRequest, directive_id: int) -> Any:
    actor = _actor(request)
    directive = selectors.directive_get(actor=actor, directive_id=directive_id)
    tasks = [_task_out(t) for t in selectors.directive_tasks(actor=actor, directive=directive)]
    return {"directive": directive, "tasks": tasks}


@router.post("/directives/{int:directive_id}/issue", response=DirectiveOut, summary="Ban hành (báo các đơn vị)")
def issue_directive(request: HttpRequest, directive_id: int) -> Any:
    actor = _actor(request)
    directive = selectors.directive_get(actor=actor, directive_id=directive_id)
    return services.directive_issue(actor=actor, directive=directive)


@router.post("/directives/{int:directive_id}/close", response=DirectiveOut, summary="Kết thúc văn bản")
def close_directive(request: HttpRequest, directive_id: int) -> Any:
    actor = _actor(request)
    directive = selectors.directive_get(actor=actor, directive_id=directive_id)
    services.directive_close(actor=actor, directive=directive)
    return selectors.directive_get(actor=actor, directive_id=directive_id)


@router.get("/tasks", response=TaskPage, summary="Nhiệm vụ (quá hạn trước)")
def list_tasks(
    request: HttpRequest,
    status: str = "",
    overdue: bool = False,
    assigned_only: bool = False,
    within_unit_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Any:
    actor = _actor(request)
    page = selectors.task_list(
        actor=actor,
        within=_within(actor, within_unit_id),
        status=status,
        overdue=overdue,
        assigned_only=assigned_only,
        cursor=cursor,
        limit=limit,
    )
    return {"items": [_task_out(t) for t in page.items], "next_cursor": page.next_cursor}


@router.get("/tasks/{int:task_id}", response=TaskOut, summary="Một nhiệm vụ")
def get_task(request: HttpRequest, task_id: int) -> Any:
    return _task_out(selectors.task_get(actor=_actor(request), task_id=task_id))


@router.get("/tasks/{int:task_id}/reports", response=list[ReportOut], summary="Báo cáo tiến độ của nhiệm vụ")
def list_reports(request: HttpRequest, task_id: int) -> Any:
    return selectors.task_reports(selectors.task_get(actor=_actor(request), task_id=task_id))


@router.post(
    "/tasks/{int:task_id}/reports",
    response={201: ReportOut},
    summary="Báo cáo tiến độ (100% hoặc done: hoàn thành), kèm minh chứng",
)
def report_task(
    request: HttpRequest,
    task_id: int,
    progress: Form[int],
    text: Form[str] = "",
    done: Form[bool] = False,
    evidence: File[UploadedFile] | None = None,
) -> Any:
    actor = _actor(request)
    task = selectors.task_get(actor=actor, task_id=task_id)
    report = services.task_report(actor=actor, task=task, progress=progress, text=text, done=done, evidence=evidence)
    return Status(201, report)


@router.get("/completion", response=list[CompletionOut], summary="Tỷ lệ hoàn thành nhiệm vụ theo đơn vị")
def completion(request: HttpRequest, within_unit_id: int | None = None, directive_id: int | None = None) -> Any:
    actor = _actor(request)
    directive = selectors.directive_get(actor=actor, directive_id=directive_id) if directive_id else None
    _root, rows = selectors.completion_by_unit(actor=actor, within=_within(actor, within_unit_id), directive=directive)
    return [
        {
            "unit_id": r.unit.pk,
            "unit_name": r.unit.name,
            "total": r.total,
            "done": r.done,
            "in_progress": r.in_progress,
            "open": r.open,
            "overdue": r.overdue,
            "done_late": r.done_late,
            "percent": r.percent,
        }
        for r in rows
    ]
