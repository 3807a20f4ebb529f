"""The GP's risk list: upload, review, refer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.grants import SYSTEM_NAME, StaffGrant
from oppfolging.accounts.models import Role, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.gp import selectors
from oppfolging.gp.models import ReviewDecision, RiskDecision, RiskEntry, RiskList, RiskReview
from oppfolging.gp.tasks import score_risk_list
from oppfolging.referrals.models import Channel, Referral, Source
from oppfolging.referrals.services import referral_create


def _require_list(grant: StaffGrant, risk_list: RiskList) -> None:
    """Refuse unless the user is a GP in the list's municipality who may open the list."""
    grant.require_role(Role.GP)
    grant.require_owns(risk_list)
    if not policy.risk_lists_visible_to(user=grant.user).filter(pk=risk_list.pk).exists():
        raise PermissionDenied("Not this GP's list.")


@transaction.atomic
def risk_list_upload(
    *, grant: StaffGrant, extract: UploadedFile, previous: UploadedFile | None, keep_files: bool,
) -> RiskList:
    """Store an uploaded extract and queue it for scoring (a GP of the municipality)."""
    grant.require_role(Role.GP)
    gp, municipality = grant.user, grant.municipality
    for upload in filter(None, (extract, previous)):
        assert upload.name is not None  # an uploaded file has a name
        if not upload.name.lower().endswith((".zip", ".json", ".ndjson")):
            raise ValidationError(
                _("Last opp uttrekket som en .zip-fil med CSV- eller FHIR-filene, eller som en FHIR Bundle (.json)."))
    risk_list = RiskList(gp=gp, municipality=municipality, keep_files=keep_files)
    risk_list.extract_file.save(f"{gp.pk}-{extract.name}", extract, save=False)
    if previous is not None:
        risk_list.previous_file.save(f"{gp.pk}-previous-{previous.name}", previous, save=False)
    risk_list.save()
    audit_record(actor=gp, action=Action.CREATE, resource="risk_list", resource_id=risk_list.pk,
                 municipality=municipality, role=Role.GP, purpose=_("Uttrekk lastet opp for risikokartlegging"))
    # Robust: the upload has committed by then; a job that cannot be queued is queued again by
    # the reminder run's sweep (`risk_lists_requeue_lost`), and the GP sees the list, not an error.
    transaction.on_commit(lambda: score_risk_list.enqueue(risk_list.pk), robust=True)
    return risk_list


@transaction.atomic
def entry_review(*, grant: StaffGrant, entry: RiskEntry, decision: str, note: str = "",
                 referral: Referral | None = None, look_again: date | None = None,
                 first: bool = False) -> RiskReview:
    """Record the GP's review of one patient (changing an earlier one is allowed).

    The decision is also remembered for the list's GP by the patient's identity number, so the
    next extract shows it instead of listing the patient as new; a date to look again is kept
    only for "not relevant now". With `first` (the list offers a review only for a patient
    without one) a review made by someone else after the list was opened stands, and this one
    is refused with ValidationError instead of overwriting it.
    """
    _require_list(grant, entry.risk_list)
    actor = grant.user
    if first:
        # The entry's row is the lock two reviewers of the same patient meet at.
        RiskEntry.objects.select_for_update().filter(pk=entry.pk).first()
        earlier = RiskReview.objects.filter(entry=entry).select_related("reviewed_by").first()
        if earlier is not None:
            raise ValidationError(_("%(name)s vurderte pasienten før deg (%(label)s). Vurderingen din er ikke lagret.")
                                  % {"name": earlier.reviewed_by.full_name, "label": earlier.label})
    if decision != ReviewDecision.NOT_RELEVANT:
        look_again = None
    now = timezone.now()
    review, _created = RiskReview.objects.update_or_create(
        entry=entry, defaults={"decision": decision, "note": note[:300], "reviewed_by": actor,
                               "referral": referral, "look_again": look_again, "carried": False,
                               "reviewed_at": now},
    )
    if entry.national_id:
        RiskDecision.objects.update_or_create(
            gp=entry.risk_list.gp, national_id=entry.national_id,
            defaults={"municipality": entry.risk_list.municipality, "decision": decision,
                      "note": note[:300], "look_again": look_again, "decided_at": now,
                      "decided_by": actor, "referral": referral},
        )
    audit_record(actor=actor, action=Action.UPDATE, resource="risk_entry", resource_id=entry.pk,
                 municipality=entry.risk_list.municipality, role=Role.GP,
                 purpose=_("Gjennomgang av risikoliste: %(d)s") % {"d": review.get_decision_display()})
    return review


@transaction.atomic
def entry_refer(*, grant: StaffGrant, entry: RiskEntry, **fields: Any) -> Referral:
    """Report the patient's need to the coordinating unit, from the risk list.

    Once per entry: a second report (another tab, a colleague at the office who opened the page
    at the same time) is refused with the first one's receipt. An earlier review's note is kept.
    """
    _require_list(grant, entry.risk_list)
    actor = grant.user
    # The entry's row is the lock two reports of the same patient meet at.
    RiskEntry.objects.select_for_update().filter(pk=entry.pk).first()
    if (sent := selectors.entry_referral(entry)) is not None:
        raise ValidationError(_("Pasienten er allerede meldt til koordinerende enhet (kvittering %(code)s).")
                              % {"code": sent.receipt_code})
    earlier = RiskReview.objects.filter(entry=entry).first()
    referral = referral_create(
        grant=grant, channel=Channel.GP_RISK_LIST, source=Source.GP_RISK_LIST, reporter_name=actor.full_name, reporter_email=actor.email,
        reporter_phone=actor.phone, **fields,
    )
    entry_review(grant=grant, entry=entry, decision=ReviewDecision.REFER, referral=referral,
                 note=earlier.note if earlier is not None else "")
    return referral


@transaction.atomic
def risk_list_authorise(*, grant: StaffGrant, risk_list: RiskList, users: Iterable[User]) -> RiskList:
    """Let other GPs at the office see the list; only the GP who owns it decides."""
    _require_list(grant, risk_list)
    if risk_list.gp_id != grant.user.pk:
        raise PermissionDenied("Only the GP who owns the list gives others access.")
    chosen = list(users)
    allowed = set(User.objects.filter(role_assignments__municipality=grant.municipality,
                                      role_assignments__role=Role.GP).values_list("pk", flat=True))
    if any(user.pk not in allowed for user in chosen):
        raise ValidationError(_("Velg fastleger i kommunen."))
    risk_list.authorised.set(chosen)
    audit_record(actor=grant.user, action=Action.UPDATE, resource="risk_list", resource_id=risk_list.pk,
                 municipality=risk_list.municipality, role=Role.GP,
                 purpose=_("Tilgang til risikolisten endret"))
    return risk_list


@transaction.atomic
def risk_lists_purge(*, now: date | None = None) -> dict[str, int]:
    """Delete risk lists past the GP's review period, and decisions past theirs.

    A list older than GP_RISK_LIST_RETENTION_DAYS loses every entry except those of patients
    the GP referred (the referral itself lives on in the coordinating unit's queue); a list
    with no referred patient is deleted whole, with its files. Decisions older than
    GP_RISK_DECISION_RETENTION_DAYS are deleted. Each deletion is written to the audit log.
    Safe to run twice.
    """
    today = now or timezone.localdate()
    list_cut = today - timedelta(days=settings.GP_RISK_LIST_RETENTION_DAYS)
    decision_cut = today - timedelta(days=settings.GP_RISK_DECISION_RETENTION_DAYS)
    counts = {"lists": 0, "entries": 0, "decisions": 0}
    for risk_list in RiskList.objects.filter(uploaded_at__date__lt=list_cut).select_related("municipality"):
        # A referral carried over from an earlier list was made there, and is kept there.
        stale = risk_list.entries.exclude(review__decision=ReviewDecision.REFER, review__carried=False)
        removed = stale.count()
        if not removed and risk_list.entries.exists():
            continue
        stale.delete()
        counts["entries"] += removed
        kept = risk_list.entries.count()
        if not kept:
            for field in (risk_list.extract_file, risk_list.previous_file):
                if field:
                    field.delete(save=False)
            risk_list.delete()
            counts["lists"] += 1
        audit_record(actor=None, actor_name=SYSTEM_NAME, action=Action.DELETE, resource="risk_list",
                     resource_id=risk_list.pk, municipality=risk_list.municipality,
                     purpose=_("Risikoliste slettet etter fastlegens gjennomgangsperiode (%(n)s pasienter, %(kept)s henviste beholdt)")
                     % {"n": removed, "kept": kept})
    old = RiskDecision.objects.filter(decided_at__date__lt=decision_cut)
    counts["decisions"] = old.count()
    if counts["decisions"]:
        old.delete()
        audit_record(actor=None, actor_name=SYSTEM_NAME, action=Action.DELETE, resource="risk_decision",
                     purpose=_("%(n)s vurderinger fra risikolister slettet etter lagringstiden")
                     % {"n": counts["decisions"]})
    return counts
