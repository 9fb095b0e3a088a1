"""Core models: the abstract base, effective-dated policies, and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Policy(BaseModel):
    """One rule value in force from `valid_from` until `valid_to` (exclusive), with its source document.

    Durations, thresholds and matrices are data: a new Ministry dispatch is a new row, not a release.
    """

    key = models.CharField(max_length=100, db_index=True)
    value = models.JSONField()
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source_document = models.CharField(max_length=300)
    verified = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["key", "valid_from"]
        verbose_name = _("quy định")
        verbose_name_plural = _("quy định (theo ngày hiệu lực)")
        constraints = [
            models.UniqueConstraint(fields=["key", "valid_from"], name="policy_key_valid_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="policy_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.valid_from}→{self.valid_to or '…'})"


class AuditAction(models.TextChoices):
    CREATE = "create", _("Tạo")
    UPDATE = "update", _("Sửa")
    DEACTIVATE = "deactivate", _("Vô hiệu hóa")
    VIEW = "view", _("Xem")
    MERGE = "merge", _("Gộp")
    UNMERGE = "unmerge", _("Hoàn tác gộp")
    EXPORT = "export", _("Xuất")
    IMPORT = "import", _("Nhập")
    LOGIN = "login", _("Đăng nhập")
    LOGIN_FAILED = "login_failed", _("Đăng nhập thất bại")
    LOGOUT = "logout", _("Đăng xuất")


class AuditEvent(models.Model):
    """Who did what to which record, when, from which unit; before/after for writes. Never deleted."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    # The record's unit path: an administrator reads the events of their subtree.
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=10, blank=True)  # web, api, cli, task

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}#{self.object_id}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    SUCCEEDED = "succeeded", _("Xong")
    FAILED = "failed", _("Lỗi")


class Job(BaseModel):
    """Long work off the request path (imports, exports, recomputations), with progress a user can watch.

    The input file is kept on the row (≤ the upload limit) so that any worker process can read it.
    """

    kind = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_path = models.CharField(max_length=255, db_index=True)
    input_name = models.CharField(max_length=255, blank=True)
    payload = models.BinaryField(null=True, blank=True, editable=False)
    params = models.JSONField(default=dict, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
