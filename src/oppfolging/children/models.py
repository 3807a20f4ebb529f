"""Children with a barnekoordinator (helse- og omsorgstjenesteloven § 7-2 a).

The coordinating unit's decision to appoint a barnekoordinator is a record of its own; a parent
with parental responsibility takes part unless the unit excludes them, with a reason (the
policy then gives them no access and no messages); the child's own view is kept in the child's
words, with the question it was asked in words adapted to the child's age.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Grounds(models.TextChoices):
    """Why the family has a right to a barnekoordinator (§ 7-2 a first paragraph).

    «Expecting» is the family that waits for a child with serious illness, injury or
    disability: the unborn child has no identity number, so the decision is recorded on the
    expectant parent, with the due date, and moved to the child once the child is registered.
    """

    SERIOUS_ILLNESS = "serious_illness", _("Alvorlig sykdom")
    SERIOUS_INJURY = "serious_injury", _("Alvorlig skade")
    DISABILITY = "disability", _("Nedsatt funksjonsevne")
    EXPECTING = "expecting", _("Venter barn med alvorlig sykdom, skade eller nedsatt funksjonsevne")


# The grounds for a born child (under 18); «expecting» is for the expectant parent.
CHILD_GROUNDS = [(value, label) for value, label in Grounds.choices if value != Grounds.EXPECTING]


class ChildCoordinatorDecision(models.Model):
    """The coordinating unit's decision to appoint a barnekoordinator for a child.

    `person` is the child, or, for a family expecting a child, the expectant parent (grounds
    «expecting», with the due date). When the child is born and registered the unit moves the
    decision to the child: the parent's decision ends, and the child's new one `continues` it.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT,
                               related_name="child_coordinator_decisions")
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("barnekoordinator"))
    # The appointment in the child's team that the decision made (the barnekoordinator
    # coordinates the team, and so sees the child's plan across services).
    assignment = models.ForeignKey("teams.CoordinatorAssignment", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    grounds = models.CharField(_("grunnlag"), max_length=20, choices=Grounds.choices)
    expected_on = models.DateField(_("termin"), null=True, blank=True)
    continues = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="continued_by",
                                  verbose_name=_("fortsetter vedtaket"))
    reason = models.TextField(_("begrunnelse"),
                              help_text=_("Hvilke langvarige og sammensatte tjenester familien trenger."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("vedtak om barnekoordinator")
        verbose_name_plural = _("vedtak om barnekoordinator")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(ended_at__isnull=True),
                                    name="one_current_child_coordinator"),
            models.CheckConstraint(
                condition=(Q(grounds="expecting", expected_on__isnull=False)
                           | (~Q(grounds="expecting") & Q(expected_on__isnull=True))),
                name="child_coordinator_due_date_iff_expecting"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.coordinator}"


class ParentExclusionQuerySet(models.QuerySet["ParentExclusion"]):
    def active(self) -> ParentExclusionQuerySet:
        return self.filter(lifted_at__isnull=True)


class ParentExclusion(models.Model):
    """A parent kept out of a child's follow-up by the unit's decision, with the reason.

    While it is in force the parent has no access in «Min plan» and gets no messages
    (`access.policy.related_person_basis` answers None for them).
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="parent_exclusions")
    related_person = models.ForeignKey("people.RelatedPerson", on_delete=models.PROTECT,
                                       related_name="exclusions", verbose_name=_("forelder"))
    reason = models.TextField(_("begrunnelse"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    lift_reason = models.TextField(blank=True)

    objects = ParentExclusionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("forelder holdt utenfor")
        verbose_name_plural = _("foreldre holdt utenfor")
        constraints = [
            models.UniqueConstraint(fields=["related_person"], condition=Q(lifted_at__isnull=True),
                                    name="one_active_exclusion_per_parent"),
        ]

    def __str__(self) -> str:
        return str(self.related_person)


class ParentRestrictionQuerySet(models.QuerySet["ParentAccessRestriction"]):
    def active(self) -> ParentRestrictionQuerySet:
        return self.filter(lifted_at__isnull=True)


class RestrictedBy(models.TextChoices):
    YOUNG_PERSON = "young_person", _("Ungdommen selv i «Min plan»")
    STAFF = "staff", _("Ansatt, på vegne av ungdommen")


class ParentAccessRestriction(models.Model):
    """A young person of 16 or 17 keeping their parents out of their plan (pbrl. § 3-4 second paragraph).

    From 16 a young person decides about their own health care, and information is not given to
    the parents when the young person, for reasons that should be respected, does not want it.
    While a restriction is in force and the person is 16 or 17, no one has a «Min plan» basis as
    parent (`access.policy.related_person_basis`). The young person sets and lifts it in «Min
    plan»; staff who serve them may record it on their behalf, with the reason.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="parent_restrictions")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_by_kind = models.CharField(max_length=20, choices=RestrictedBy.choices)
    reason = models.TextField(_("begrunnelse"), blank=True)
    set_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    objects = ParentRestrictionQuerySet.as_manager()

    class Meta:
        ordering = ["-set_at"]
        verbose_name = _("foreldre uten innsyn")
        verbose_name_plural = _("foreldre uten innsyn")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(lifted_at__isnull=True),
                                    name="one_active_parent_restriction"),
        ]

    def __str__(self) -> str:
        return str(self.person)


class AgeBand(models.TextChoices):
    """Age bands the question to the child is adapted to."""

    UNDER_7 = "under_7", _("Under 7 år")
    FROM_7 = "7_12", _("7–12 år")
    FROM_13 = "13_15", _("13–15 år")
    FROM_16 = "16_17", _("16–17 år")


class HowHeard(models.TextChoices):
    CONVERSATION = "conversation", _("Samtale med barnet")
    DRAWING = "drawing", _("Tegning, lek eller bilder")
    WITH_PARENT = "with_parent", _("Sammen med en forelder")
    WRITTEN = "written", _("Barnet skrev selv")


class ChildView(models.Model):
    """The child's own view, in the child's words, and the question it was asked."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="child_views")
    age_years = models.PositiveSmallIntegerField()
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    question = models.CharField(_("spørsmålet barnet fikk"), max_length=300)
    words = models.TextField(_("barnets egne ord"))
    how = models.CharField(_("slik kom barnets mening fram"), max_length=20, choices=HowHeard.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("barnets mening")
        verbose_name_plural = _("barnets meninger")

    def __str__(self) -> str:
        return self.words[:60]
