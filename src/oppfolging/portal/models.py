"""What the person and next of kin do in «Min plan»: propose goals, score PSFS, write messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Foreslått")
    ACCEPTED = "accepted", _("Tatt inn i planen")
    DECLINED = "declined", _("Ikke tatt inn")


class ProposerKind(models.TextChoices):
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")


class GoalProposal(models.Model):
    """A goal the person (or next of kin) proposes in their own words; the coordinator takes it in."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="goal_proposals")
    text = models.TextField(_("målet med dine egne ord"))
    proposed_by_kind = models.CharField(max_length=20, choices=ProposerKind.choices)
    proposed_by_related = models.ForeignKey(
        "people.RelatedPerson", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    goal = models.ForeignKey("plans.Goal", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reply = models.TextField(_("svar fra koordinatoren"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("forslag til mål")
        verbose_name_plural = _("forslag til mål")

    def __str__(self) -> str:
        return self.text[:80]


class ScoredBy(models.TextChoices):
    """Who scored a PSFS activity: the person, or someone allowed to score on their behalf."""

    PERSON = "person", _("Personen selv")
    GUARDIAN = "guardian", _("Verge på vegne av personen")
    PARENT = "parent", _("Forelder på vegne av barnet")
    NEXT_OF_KIN_BY_WISH = "next_of_kin_by_wish", _("Pårørende på vegne av personen, etter personens ønske")


class PsfsSelfScore(models.Model):
    """The person's own PSFS score of an activity between meetings (0 cannot … 10 as before)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="psfs_self_scores")
    activity = models.CharField(_("aktivitet"), max_length=200)
    score = models.PositiveSmallIntegerField(_("skår"))
    scored_at = models.DateTimeField(default=timezone.now)
    scored_by_kind = models.CharField(max_length=20, choices=ScoredBy.choices, default=ScoredBy.PERSON)

    class Meta:
        ordering = ["-scored_at"]
        verbose_name = _("egen PSFS-skår")
        verbose_name_plural = _("egne PSFS-skårer")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=10), name="self_score_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.score}"


class SenderKind(models.TextChoices):
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")
    PROFESSIONAL = "professional", _("Tjenesteyter")


class Message(models.Model):
    """A message between the person (or next of kin) and the coordinator or team."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="messages")
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sender_kind = models.CharField(max_length=20, choices=SenderKind.choices)
    body = models.TextField(_("melding"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_by_person_at = models.DateTimeField(null=True, blank=True)
    read_by_team_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("melding")
        verbose_name_plural = _("meldinger")

    def __str__(self) -> str:
        return f"{self.sender_user}: {self.body[:40]}"


class CitizenAccount(models.Model):
    """A «Min plan» account bound to the identity number ID-porten vouched for.

    The binding is set when the account is made and checked on every sign-in against the ID
    token's `pid` claim. What the account sees is derived from the register by this number at
    request time (`access.policy.portal_grants`): the person with this number, and the persons
    who have a next of kin, guardian or parent with it. A number corrected in the register
    therefore moves access with it, and records added after the first sign-in are found.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="citizen_account")
    identity_number = models.CharField(max_length=11, unique=True)
    bound_at = models.DateTimeField(default=timezone.now)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("innbyggerkonto")
        verbose_name_plural = _("innbyggerkontoer")

    def __str__(self) -> str:
        return self.user.username
