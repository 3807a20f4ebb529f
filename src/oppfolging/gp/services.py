"""The GP's risk list: upload, review, refer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.accounts.models import Municipality, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.gp.models import ReviewDecision, RiskDecision, RiskEntry, RiskList, RiskReview
from oppfolging.gp.tasks import score_risk_list
from oppfolging.referrals.models import Channel, Referral, Source


@transaction.atomic
def risk_list_upload(
    *, gp: User, municipality: Municipality, extract: UploadedFile, previous: UploadedFile | None,
    keep_files: bool,
) -> RiskList:
    """Store an uploaded extract and queue it for scoring."""
    for upload in filter(None, (extract, previous)):
        if not upload.name.lower().endswith((".zip", ".json", ".ndjson")):
            raise ValidationError(
                _("Last opp uttrekket som en .zip-fil med CSV- eller FHIR-filene, eller som en FHIR Bundle (.json)."))
    risk_list = RiskList(gp=gp, municipality=municipality, keep_files=keep_files)
    risk_list.extract_file.save(f"{gp.pk}-{extract.name}", extract, save=False)
    if previous is not None:
        risk_list.previous_file.save(f"{gp.pk}-previous-{previous.name}", previous, save=False)
    risk_list.save()
    audit_record(actor=gp, action=Action.CREATE, resource="risk_list", resource_id=risk_list.pk,
                 municipality=municipality, role="gp", purpose=_("Uttrekk lastet opp for risikokartlegging"))
    transaction.on_commit(lambda: score_risk_list.enqueue(risk_list.pk))
    return risk_list


@transaction.atomic
def entry_review(*, entry: RiskEntry, actor: User, decision: str, note: str = "",
                 referral: Referral | None = None, look_again: date | None = None) -> RiskReview:
    """Record the GP's review of one patient (changing an earlier one is allowed).

    The decision is also remembered for the list's GP by the patient's identity number, so the
    next extract shows it instead of listing the patient as new; a date to look again is kept
    only for "not relevant now".
    """
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
                 municipality=entry.risk_list.municipality, role="gp",
                 purpose=_("Gjennomgang av risikoliste: %(d)s") % {"d": review.get_decision_display()})
    return review


@transaction.atomic
def entry_refer(*, entry: RiskEntry, actor: User, **fields: Any) -> Referral:
    """Report the patient's need to the coordinating unit, from the risk list."""
    from oppfolging.referrals.services import referral_create

    referral = referral_create(
        municipality=entry.risk_list.municipality, channel=Channel.GP_RISK_LIST, reporter_user=actor,
        source=Source.GP_RISK_LIST, reporter_name=actor.full_name, reporter_email=actor.email,
        reporter_phone=actor.phone, **fields,
    )
    entry_review(entry=entry, actor=actor, decision=ReviewDecision.REFER, referral=referral)
    return referral


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
        audit_record(actor=None, actor_name="system", action=Action.DELETE, resource="risk_list",
                     resource_id=risk_list.pk, municipality=risk_list.municipality,
                     purpose=_("Risikoliste slettet etter fastlegens gjennomgangsperiode (%(n)s pasienter, %(kept)s henviste beholdt)")
                     % {"n": removed, "kept": kept})
    old = RiskDecision.objects.filter(decided_at__date__lt=decision_cut)
    counts["decisions"] = old.count()
    if counts["decisions"]:
        old.delete()
        audit_record(actor=None, actor_name="system", action=Action.DELETE, resource="risk_decision",
                     purpose=_("%(n)s vurderinger fra risikolister slettet etter lagringstiden")
                     % {"n": counts["decisions"]})
    return counts


def review_summary(risk_list: RiskList) -> dict[str, int]:
    """Count the high-risk patients reviewed, and how many were already followed up (surprises?)."""
    high = risk_list.entries.filter(is_high=True)
    reviewed = high.filter(review__isnull=False)
    return {
        "high": high.count(),
        "reviewed": reviewed.count(),
        "followed_up": reviewed.filter(review__decision=ReviewDecision.FOLLOWED_UP).count(),
        "referred": reviewed.filter(review__decision=ReviewDecision.REFER).count(),
    }

