"""Users belong to one unit and hold one or more roles; API tokens are stored hashed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from chihuy.accounts.roles import Role, perms_of
from chihuy.core.models import BaseModel


class User(AbstractUser):
    full_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    unit = models.ForeignKey("places.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    # Copy of unit.path: the user's jurisdiction, read on every request without a join.
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    roles = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def perms(self) -> set[str]:
        cached = getattr(self, "_chihuy_perms", None)
        if cached is None:
            cached = perms_of(list(self.roles or []))
            self._chihuy_perms = cached
        return cached

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.roles or [] if r in Role.values]


class ApiToken(BaseModel):
    """A per-user bearer token. Only its SHA-256 is stored; the key is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
