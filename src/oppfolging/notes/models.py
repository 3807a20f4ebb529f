"""The samarbeidslogg: short dated notes on a plan or one of its goals, by those in the team.

A note is shared like a document (whole team, staff only, or named services only, within the
person's consent). Its author may correct it during a short grace period; after that it stands
as written, and a correction is a new note that refers to the one it corrects.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.access.models import Visibility

NOTE_MAX_LENGTH = 2000


class Note(models.Model):
    """One entry in the samarbeidslogg."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="log_notes")
    plan = models.ForeignKey("plans.IndividualPlan", on_delete=models.PROTECT, related_name="log_notes")
    goal = models.ForeignKey("plans.Goal", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="log_notes", verbose_name=_("gjelder målet"))
    noted_on = models.DateField(_("dato"), default=timezone.localdate)
    text = models.TextField(_("notat"), validators=[MaxLengthValidator(NOTE_MAX_LENGTH)])
    visibility = models.CharField(_("hvem kan se det"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.TEAM)
    services = models.ManyToManyField("catalogue.Service", blank=True, related_name="restricted_notes")
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections", verbose_name=_("retter notatet"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-noted_on", "-added_at", "-pk"]
        verbose_name = _("logginnlegg")
        verbose_name_plural = _("samarbeidslogg")
        indexes = [models.Index(fields=["person", "-added_at"])]

    def __str__(self) -> str:
        return self.text[:80]

    def editable_until(self) -> dt.datetime:
        return self.added_at + dt.timedelta(minutes=settings.NOTE_EDIT_GRACE_MINUTES)

    def is_editable(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) <= self.editable_until()
