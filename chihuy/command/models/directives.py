"""Directives (văn bản chỉ đạo) issued by a centre, the tasks they give subordinate units with deadlines,
and the units' progress reports with evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chihuy.core.models import BaseModel


class DirectiveStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    ISSUED = "issued", _("Đã ban hành")
    CLOSED = "closed", _("Đã kết thúc")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Hoàn thành")


class Directive(BaseModel):
    centre = models.ForeignKey("command.CommandCentre", on_delete=models.PROTECT, related_name="directives")
    # The issuing centre's unit path: the issuer's subtree sees it.
    unit_path = models.CharField(max_length=255, db_index=True)
    number = models.CharField(max_length=60, blank=True)  # "15/CĐ-TTCH"
    issued_on = models.DateField()
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    document = models.FileField(upload_to="directives/%Y/%m/", blank=True, max_length=255)
    status = models.CharField(max_length=10, choices=DirectiveStatus.choices, default=DirectiveStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("văn bản chỉ đạo")
        verbose_name_plural = _("văn bản chỉ đạo")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "number"], condition=~Q(number=""), name="directive_number_unique_in_centre"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class DirectiveTask(BaseModel):
    """One task for one subordinate unit. "Overdue" is derived: not done and past its deadline."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="tasks")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    # The assignee's path: the assignee's subtree sees and reports on it.
    unit_path = models.CharField(max_length=255, db_index=True)
    description = models.TextField()
    deadline = models.DateField()
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    progress = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    overdue_alerted_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "unit_path", "id"]
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_at_most_100"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="task_status_deadline")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.description[:60]}"


class TaskReport(BaseModel):
    task = models.ForeignKey(DirectiveTask, on_delete=models.CASCADE, related_name="reports")
    unit_path = models.CharField(max_length=255, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    evidence = models.FileField(upload_to="task-evidence/%Y/%m/", blank=True, max_length=255)
    reported_at = models.DateTimeField()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_report_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.progress}%"
