"""Writes of directives and their tasks: draft, issue (tasks only to units inside the issuer's subtree, an
alert to every assignee centre), progress reports with evidence by the assignee, and the overdue sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from chihuy.accounts.access import in_jurisdiction, require_in_jurisdiction, require_perm
from chihuy.accounts.roles import Perm
from chihuy.command.models import (
    CommandCentre,
    Directive,
    DirectiveStatus,
    DirectiveTask,
    TaskReport,
    TaskStatus,
)
from chihuy.core import clock
from chihuy.core.audit import audit_record, snapshot
from chihuy.core.errors import ApplicationError, ErrorCode
from chihuy.places.models import Unit

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods")


@dataclass
class TaskSpec:
    unit: Unit
    description: str
    deadline: dt.date


DIRECTIVE_TRANSITIONS: dict[str, set[str]] = {
    DirectiveStatus.DRAFT: {DirectiveStatus.ISSUED},
    DirectiveStatus.ISSUED: {DirectiveStatus.CLOSED},
    DirectiveStatus.CLOSED: set(),
}
TASK_TRANSITIONS: dict[str, set[str]] = {
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS, TaskStatus.DONE},
    TaskStatus.IN_PROGRESS: {TaskStatus.IN_PROGRESS, TaskStatus.DONE},
    TaskStatus.DONE: set(),
}


def _check_file(upload: UploadedFile | None, field: str) -> None:
    if upload is None:
        return
    if (upload.size or 0) > MAX_EVIDENCE_BYTES:
        raise ApplicationError.field(field, _("Tệp quá lớn (tối đa 20 MB)."), ErrorCode.UPLOAD_TOO_LARGE)
    if not (upload.name or "").lower().endswith(EVIDENCE_TYPES):
        raise ApplicationError.field(field, _("Chỉ nhận tệp PDF, ảnh, Word, Excel."), ErrorCode.BAD_FILE)


def _check_task(centre: CommandCentre, spec: TaskSpec, index: int) -> None:
    prefix = f"tasks[{index}]"
    # Subordinate units only: strictly inside the issuing centre's subtree.
    if not spec.unit.path.startswith(centre.unit_path) or spec.unit.path == centre.unit_path:
        raise ApplicationError.field(
            f"{prefix}.unit",
            _("%(unit)s không phải đơn vị cấp dưới của %(centre)s.") % {"unit": spec.unit.name, "centre": centre.name},
        )
    if not spec.description.strip():
        raise ApplicationError.field(f"{prefix}.description", _("Nhập nội dung nhiệm vụ."))
    if spec.deadline is None:
        raise ApplicationError.field(f"{prefix}.deadline", _("Nhập hạn hoàn thành."))


def _new_task(directive: Directive, spec: TaskSpec) -> DirectiveTask:
    task = DirectiveTask(
        directive=directive,
        unit=spec.unit,
        unit_path=spec.unit.path,
        description=spec.description.strip(),
        deadline=spec.deadline,
    )
    task.full_clean(exclude=["directive", "unit"])
    return task


@transaction.atomic
def directive_create(
    *,
    actor: Any,
    centre: CommandCentre,
    title: str,
    issued_on: dt.date,
    number: str = "",
    summary: str = "",
    document: UploadedFile | None = None,
    tasks: Sequence[TaskSpec] = (),
    is_demo: bool = False,
) -> Directive:
    """A draft directive with its tasks; every task is checked before anything is written."""
    require_perm(actor, Perm.DIRECTIVE_ISSUE)
    require_in_jurisdiction(actor, centre.unit_path, field="centre")
    if not title.strip():
        raise ApplicationError.field("title", _("Nhập trích yếu văn bản."))
    number = number.strip()
    if number and Directive.objects.filter(centre=centre, number=number).exists():
        raise ApplicationError.field(
            "number", _("%(centre)s đã có văn bản số %(n)s.") % {"centre": centre.name, "n": number}, ErrorCode.CONFLICT
        )
    _check_file(document, "document")
    for index, spec in enumerate(tasks):
        _check_task(centre, spec, index)
    directive = Directive(
        centre=centre,
        unit_path=centre.unit_path,
        number=number[:60],
        issued_on=issued_on,
        title=title.strip()[:300],
        summary=summary.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_demo=is_demo,
    )
    if document is not None:
        directive.document = document  # type: ignore[assignment]
    directive.full_clean(exclude=["centre", "document"])
    directive.save()
    DirectiveTask.objects.bulk_create([_new_task(directive, spec) for spec in tasks])
    audit_record(
        actor=actor,
        action="create",
        obj=directive,
        after={**snapshot(directive, ["number", "title", "issued_on", "status"]), "tasks": len(tasks)},
    )
    return directive


@transaction.atomic
def task_add(*, actor: Any, directive: Directive, spec: TaskSpec) -> DirectiveTask:
    """Another task on a draft or issued directive; on an issued one its centre is alerted at once."""
    require_perm(actor, Perm.DIRECTIVE_ISSUE)
    directive = Directive.objects.select_for_update().select_related("centre").get(pk=directive.pk)
    require_in_jurisdiction(actor, directive.unit_path, field="directive")
    if directive.status == DirectiveStatus.CLOSED:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Văn bản đã kết thúc, không thêm nhiệm vụ."))
    _check_task(directive.centre, spec, 0)
    task = _new_task(directive, spec)
    task.save()
    audit_record(actor=actor, action="create", obj=task, after=snapshot(task))
    if directive.status == DirectiveStatus.ISSUED:
        _alert_assignees(directive, [task])
    return task


def _transition(actor: Any, directive: Directive, target: str) -> None:
    if target not in DIRECTIVE_TRANSITIONS[directive.status]:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("Không chuyển được văn bản từ “%(a)s” sang “%(b)s”.")
            % {"a": DirectiveStatus(directive.status).label, "b": DirectiveStatus(target).label},
        )
    before = directive.status
    directive.status = target
    if target == DirectiveStatus.ISSUED:
        directive.issued_at = clock.now()
    directive.save(update_fields=["status", "issued_at", "updated_at"])
    audit_record(actor=actor, action="update", obj=directive, before={"status": before}, after={"status": target})


def _alert_assignees(directive: Directive, tasks: Sequence[DirectiveTask]) -> int:
    """One message per assignee centre, with that unit's tasks, to whoever is on duty there and its commander."""
    from chihuy.command import notifications  # noqa: F401  (registers the templates)
    from chihuy.command.selectors import centre_alert_recipients, centre_for_unit
    from chihuy.notify.services import message_enqueue

    by_unit: dict[int, list[DirectiveTask]] = {}
    for task in tasks:
        by_unit.setdefault(task.unit_id, []).append(task)
    sent = 0
    for unit_tasks in by_unit.values():
        unit = unit_tasks[0].unit
        centre = centre_for_unit(unit)
        if centre is None:
            continue
        users = centre_alert_recipients(centre)
        addresses = [] if users else ([("sms", centre.phone)] if centre.phone else [])
        if not users and not addresses:
            continue
        message_enqueue(
            template="command.directive_issued",
            context={
                "issuer": directive.centre.name,
                "number": directive.number or _("(không số)"),
                "issued_on": directive.issued_on.strftime("%d/%m/%Y"),
                "title": directive.title,
                "unit": unit.name,
                "tasks": [
                    {"description": t.description, "deadline": t.deadline.strftime("%d/%m/%Y")} for t in unit_tasks
                ],
                "url": f"/command/directives/{directive.pk}/",
            },
            users=users,
            addresses=addresses,
            unit=unit,
            source=f"command.directive:{directive.pk}",
        )
        sent += 1
    return sent


@transaction.atomic
def directive_issue(*, actor: Any, directive: Directive) -> Directive:
    """Draft → issued; every assignee unit's centre is alerted in this same transaction (the outbox)."""
    require_perm(actor, Perm.DIRECTIVE_ISSUE)
    directive = Directive.objects.select_for_update().select_related("centre").get(pk=directive.pk)
    require_in_jurisdiction(actor, directive.unit_path, field="directive")
    _transition(actor, directive, DirectiveStatus.ISSUED)
    _alert_assignees(directive, list(directive.tasks.select_related("unit")))
    return directive


@transaction.atomic
def directive_close(*, actor: Any, directive: Directive) -> Directive:
    require_perm(actor, Perm.DIRECTIVE_ISSUE)
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    require_in_jurisdiction(actor, directive.unit_path, field="directive")
    _transition(actor, directive, DirectiveStatus.CLOSED)
    return directive


@transaction.atomic
def task_report(
    *,
    actor: Any,
    task: DirectiveTask,
    progress: int,
    text: str = "",
    evidence: UploadedFile | None = None,
    done: bool = False,
) -> TaskReport:
    """A progress report by the assignee unit (its own users or those below it); 100 % or "done" completes it."""
    require_perm(actor, Perm.TASK_REPORT)
    task = DirectiveTask.objects.select_for_update().select_related("directive").get(pk=task.pk)
    if not (in_jurisdiction(actor, task.unit_path) or in_jurisdiction(actor, task.directive.unit_path)):
        raise ApplicationError.field("task", _("Không tìm thấy nhiệm vụ."), ErrorCode.NOT_FOUND)
    if not (actor.unit_path or "").startswith(task.unit_path):
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED, _("Chỉ đơn vị được giao (%(unit)s) mới báo cáo được.") % {"unit": task.unit}
        )
    if task.directive.status != DirectiveStatus.ISSUED:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Văn bản chưa ban hành hoặc đã kết thúc."))
    if not 0 <= int(progress) <= 100:
        raise ApplicationError.field("progress", _("Tiến độ từ 0 đến 100%."))
    _check_file(evidence, "evidence")
    progress = 100 if done else int(progress)
    target = TaskStatus.DONE if progress >= 100 else TaskStatus.IN_PROGRESS
    if target not in TASK_TRANSITIONS[task.status]:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("Nhiệm vụ đã hoàn thành."))
    if not text.strip() and evidence is None and progress == task.progress:
        raise ApplicationError.field("text", _("Nhập nội dung báo cáo hoặc đính kèm minh chứng."))
    now = clock.now()
    report = TaskReport(
        task=task,
        unit_path=task.unit_path,
        author=actor,
        progress=progress,
        text=text.strip(),
        reported_at=now,
    )
    if evidence is not None:
        report.evidence = evidence  # type: ignore[assignment]
    report.full_clean(exclude=["task", "evidence"])
    report.save()
    before = {"status": task.status, "progress": task.progress}
    task.status = target
    task.progress = progress
    if target == TaskStatus.DONE:
        task.completed_at = now
    task.save(update_fields=["status", "progress", "completed_at", "updated_at"])
    audit_record(actor=actor, action="update", obj=task, before=before, after={"status": target, "progress": progress})
    return report


@transaction.atomic
def task_overdue_alerts(*, on: dt.date | None = None) -> int:
    """Alert once per overdue task: the assignee unit's centre and the issuing centre."""
    from chihuy.command import notifications  # noqa: F401  (registers the templates)
    from chihuy.command.selectors import centre_alert_recipients, centre_for_unit
    from chihuy.notify.services import message_enqueue

    day = on or clock.today()
    overdue = list(
        DirectiveTask.objects.select_for_update()
        .filter(
            directive__status=DirectiveStatus.ISSUED,
            deadline__lt=day,
            overdue_alerted_on__isnull=True,
        )
        .exclude(status=TaskStatus.DONE)
        .select_related("unit", "directive", "directive__centre", "directive__centre__unit")
        .order_by("deadline", "id")
    )
    recipients_of: dict[int, list[Any]] = {}
    for task in overdue:
        users: list[Any] = []
        centres = [centre_for_unit(task.unit), task.directive.centre]
        for centre in centres:
            if centre is None:
                continue
            if centre.pk not in recipients_of:
                recipients_of[centre.pk] = centre_alert_recipients(centre)
            users.extend(u for u in recipients_of[centre.pk] if all(u.pk != v.pk for v in users))
        if users:
            message_enqueue(
                template="command.task_overdue",
                context={
                    "unit": task.unit.name,
                    "number": task.directive.number or task.directive.title,
                    "issuer": task.directive.centre.name,
                    "description": task.description,
                    "deadline": task.deadline.strftime("%d/%m/%Y"),
                    "progress": task.progress,
                    "url": f"/command/tasks/{task.pk}/",
                },
                users=users,
                unit=task.unit,
                source=f"command.task_overdue:{task.pk}",
            )
        task.overdue_alerted_on = day
        task.save(update_fields=["overdue_alerted_on", "updated_at"])
    return len(overdue)
