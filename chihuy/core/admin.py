"""Admin: policies are added through `policy_set` (history is never edited); the audit log is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chihuy.core.models import AuditEvent, Policy
from chihuy.core.policies import policy_set


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services (or loaded from reference data): the admin shows, never edits."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["key", "valid_from", "valid_to", "source_document", "verified"]
    list_filter = ["key", "verified"]
    search_fields = ["key", "source_document", "note"]
    readonly_fields = ["valid_to", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A row in force is history: change it by adding a new row from a later date.
        if obj is not None:
            return ["key", "value", "valid_from", "valid_to", "source_document", "created_at", "updated_at"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        if change:
            Policy.objects.filter(pk=obj.pk).update(verified=obj.verified, note=obj.note)
            return
        saved = policy_set(
            key=obj.key,
            value=obj.value,
            valid_from=obj.valid_from,
            source_document=obj.source_document,
            verified=obj.verified,
            note=obj.note,
            actor=request.user,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_username", "action", "object_type", "object_id", "object_repr", "unit_path"]
    list_filter = ["action", "object_type", "channel"]
    search_fields = ["actor_username", "object_id", "object_repr", "unit_path"]
    date_hierarchy = "at"
