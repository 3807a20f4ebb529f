"""The GP's risk list: upload, review, refer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.accounts.models import Municipality, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.gp.models import ReviewDecision, RiskEntry, RiskList, RiskReview
from oppfolging.gp.tasks import score_risk_list
from oppfolging.referrals.models import Channel, Referral, Source
from oppfolging.referrals.services import referral_create


@transaction.atomic
def risk_list_upload(
    *, gp: User, municipality: Municipality, extract: UploadedFile, previous: UploadedFile | None,
    keep_files: bool,
) -> RiskList:
    """Store an uploaded extract and queue it for scoring."""
    for upload in filter(None, (extract, previous)):
        if not upload.name.lower().endswith(".zip"):
            raise ValidationError(_("Last opp uttrekket som en .zip-fil med CSV-filene."))
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
                 referral: Referral | None = None) -> RiskReview:
    """Record the GP's review of one patient (changing an earlier one is allowed)."""
    review, _created = RiskReview.objects.update_or_create(
        entry=entry, defaults={"decision": decision, "note": note[:300], "reviewed_by": actor,
                               "referral": referral},
    )
    audit_record(actor=actor, action=Action.UPDATE, resource="risk_entry", resource_id=entry.pk,
                 municipality=entry.risk_list.municipality, role="gp",
                 purpose=_("Gjennomgang av risikoliste: %(d)s") % {"d": review.get_decision_display()})
    return review


@transaction.atomic
def entry_refer(*, entry: RiskEntry, actor: User, **fields: Any) -> Referral:
    """Report the patient's need to the coordinating unit, from the risk list."""
    grant = policy.staff_grant(user=actor, municipality=entry.risk_list.municipality)
    if grant is None:
        raise PermissionDenied("The GP does not work in the list's municipality.")
    referral = referral_create(
        grant=grant, channel=Channel.GP_RISK_LIST, source=Source.GP_RISK_LIST, reporter_name=actor.full_name, reporter_email=actor.email,
        reporter_phone=actor.phone, **fields,
    )
    entry_review(entry=entry, actor=actor, decision=ReviewDecision.REFER, referral=referral)
    return referral


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

