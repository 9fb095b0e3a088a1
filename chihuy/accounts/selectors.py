"""Reads of accounts, scoped to the reader's subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from chihuy.accounts.access import has_perm, in_jurisdiction, require_perm, scope_q
from chihuy.accounts.models import User
from chihuy.accounts.roles import Perm
from chihuy.core.errors import not_found


def user_list(*, actor: Any, within: str | None = None, q: str = "") -> QuerySet[User]:
    require_perm(actor, Perm.USER_MANAGE)
    qs = User.objects.filter(scope_q(actor, within=within)).select_related("unit")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    return qs.order_by("unit_path", "username")


def user_get(*, actor: Any, user_id: int) -> User:
    require_perm(actor, Perm.USER_MANAGE)
    user = User.objects.filter(scope_q(actor), pk=user_id).select_related("unit").first()
    if user is None:
        raise not_found()
    return user


def audit_list(
    *,
    actor: Any,
    within: str | None = None,
    action: str = "",
    object_type: str = "",
    username: str = "",
    object_id: str = "",
    since: Any = None,
    until: Any = None,
) -> QuerySet[Any]:
    """Audit events of the administrator's subtree, newest first, filtered."""
    from chihuy.core.models import AuditEvent

    require_perm(actor, Perm.AUDIT_VIEW)
    qs = AuditEvent.objects.filter(scope_q(actor, within=within))
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if username:
        qs = qs.filter(actor_username__iexact=username.strip())
    if object_id:
        qs = qs.filter(object_id=object_id.strip())
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs.order_by("-at", "-id")


def token_list(*, user: Any) -> list[Any]:
    """The user's own API tokens, newest first (the key itself is never stored)."""
    from chihuy.accounts.models import ApiToken

    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def token_get(*, user: Any, token_id: int) -> Any:
    """One of the user's own tokens; another user's token answers "not found"."""
    from chihuy.accounts.models import ApiToken

    token = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if token is None:
        raise not_found()
    return token


def job_get(*, actor: Any, job_id: int) -> Any:
    """A background job the reader started, or (for administrators) one started inside their subtree."""
    from chihuy.core.models import Job

    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise not_found()
    mine = job.created_by_id == getattr(actor, "pk", None)
    if not mine and not (has_perm(actor, Perm.USER_MANAGE) and in_jurisdiction(actor, job.unit_path)):
        raise not_found()
    return job
