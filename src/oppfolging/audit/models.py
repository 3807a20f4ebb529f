"""The append-only access log (pasientjournalloven § 22; FHIR AuditEvent).

The application has no way to change or delete an entry: save() refuses updates, delete() and
the queryset's update()/delete() raise, and on PostgreSQL a trigger rejects UPDATE and DELETE.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit entry."""


class Action(models.TextChoices):
    READ = "read", _("lest")
    LIST = "list", _("listet")
    SEARCH = "search", _("søkt")
    CREATE = "create", _("opprettet")
    UPDATE = "update", _("endret")
    DELETE = "delete", _("slettet")
    EXPORT = "export", _("eksportert")
    BREAK_GLASS = "break_glass", _("nødtilgang åpnet")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("The audit log cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("The audit log cannot be deleted from.")


class AuditEvent(models.Model):
    """Who, in which role and unit, did what to which person's data, why, and when."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Snapshots, so the entry still reads right after names, roles and units change.
    actor_name = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=30, blank=True)
    actor_unit = models.CharField(max_length=150, blank=True)
    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resource = models.CharField(max_length=50)
    resource_id = models.CharField(max_length=50, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    purpose = models.CharField(max_length=300, blank=True)
    break_glass = models.BooleanField(default=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # The API client (OAuth client id) the access came through; empty for the web pages.
    client = models.CharField(max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("logghendelse")
        verbose_name_plural = _("tilgangslogg")
        indexes = [
            models.Index(fields=["person", "-at"]),
            models.Index(fields=["actor", "-at"]),
            models.Index(fields=["municipality", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.resource}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("An audit entry cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("An audit entry cannot be deleted.")
