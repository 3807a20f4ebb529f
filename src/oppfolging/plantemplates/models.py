"""Plan templates the coordinating unit keeps per municipality, in immutable versions.

A template has versions; a version is never changed once saved (a change to the template is a
new version), so a plan started from a version keeps exactly what it started with however the
template changes later. The plan records the version it started from
(`IndividualPlan.template_version`) and gets its own copy of the sections to write in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VersionIsImmutable(Exception):
    """Raised when code tries to change a template version once saved."""


class PlanTemplate(models.Model):
    """A named template, e.g. «Barn med barnekoordinator»; its content is in its versions."""

    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT, related_name="plan_templates")
    name = models.CharField(_("navn"), max_length=150)
    description = models.TextField(_("hvem malen passer for"), blank=True)
    is_active = models.BooleanField(_("i bruk"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("planmal")
        verbose_name_plural = _("planmaler")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="plan_template_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def current_version(self) -> TemplateVersion | None:
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    """One version of a template: sections, suggested goal areas and measures, services, interval."""

    template = models.ForeignKey(PlanTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    change_note = models.CharField(_("hva er endret"), max_length=300, blank=True)
    meeting_interval_weeks = models.PositiveSmallIntegerField(_("foreslått møtehyppighet (uker)"), null=True,
                                                              blank=True)
    suggested_services = models.ManyToManyField("catalogue.Service", blank=True, related_name="+",
                                                verbose_name=_("foreslåtte tjenester"))

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("versjon av planmal")
        verbose_name_plural = _("versjoner av planmaler")
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise VersionIsImmutable("A template version cannot be changed; save a new version.")
        super().save(*args, **kwargs)


class SavedOnce(models.Model):
    """A part of a template version: like the version, written once and never changed."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise VersionIsImmutable("A part of a template version cannot be changed; save a new version.")
        super().save(*args, **kwargs)


class TemplateSection(SavedOnce):
    """A section heading the plan gets, with guidance for what to write under it."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("overskrift"), max_length=150)
    guidance = models.CharField(_("veiledning"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class SuggestedGoalArea(SavedOnce):
    """An area where goals are often set for this group, with measures that often help."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="goal_areas")
    position = models.PositiveSmallIntegerField(default=0)
    area = models.CharField(_("målområde"), max_length=150)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.area


class SuggestedMeasure(SavedOnce):
    goal_area = models.ForeignKey(SuggestedGoalArea, on_delete=models.PROTECT, related_name="measures")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("tiltak"), max_length=200)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class PlanSection(models.Model):
    """The plan's own text under one of its template's section headings."""

    plan = models.ForeignKey("plans.IndividualPlan", on_delete=models.PROTECT, related_name="sections")
    template_section = models.ForeignKey(TemplateSection, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("overskrift"), max_length=150)
    guidance = models.CharField(max_length=300, blank=True)
    text = models.TextField(_("tekst"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("del av planen")
        verbose_name_plural = _("deler av planen")

    def __str__(self) -> str:
        return self.title

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.plan.person_id
