"""The individual plan (individuell plan). One per person, never without consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Aktiv")
    CLOSED = "closed", _("Avsluttet")


class IndividualPlan(models.Model):
    """The person's one plan across sectors (FHIR CarePlan)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="individual_plan"
    )
    team = models.ForeignKey(
        "teams.Team", on_delete=models.PROTECT, related_name="plans", null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("planperiode fra"), default=timezone.localdate)
    period_end = models.DateField(_("planperiode til"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("individuell plan")
        verbose_name_plural = _("individuelle planer")

    def __str__(self) -> str:
        return f"Plan {self.person}"
