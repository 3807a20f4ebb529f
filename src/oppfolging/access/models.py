"""Emergency access ("break the glass"): the only access not derived from serving the person."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BreakGlassQuerySet(models.QuerySet["BreakGlassAccess"]):
    def active(self, at: dt.datetime | None = None) -> BreakGlassQuerySet:
        return self.filter(expires_at__gt=at or timezone.now())

    def unreviewed(self) -> BreakGlassQuerySet:
        return self.filter(reviewed_at__isnull=True)


class BreakGlassAccess(models.Model):
    """Time-limited, self-authorised read access to one person, with a stated reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    reason = models.TextField(_("begrunnelse"))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="break_glass_reviews",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("merknad fra gjennomgang"), blank=True)

    objects = BreakGlassQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("nødtilgang")
        verbose_name_plural = _("nødtilganger")

    def __str__(self) -> str:
        return f"{self.user} → {self.person} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()


class Visibility(models.TextChoices):
    """Who may see a shared record on a person's plan (a document, a log note).

    Always within what the person's consent allows: a service the person has not consented to
    share with never sees anything of the person, and the person and next of kin see only what
    is shared with the whole team. The rule itself is `access.policy.shared_with`.
    """

    TEAM = "team", _("Alle i teamet, også personen og pårørende som deltar")
    STAFF = "staff", _("Bare ansatte i teamet")
    SERVICES = "services", _("Bare de tjenestene som er valgt")
