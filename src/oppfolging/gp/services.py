"""The GP's risk list: upload, review, refer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import Role, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.gp.models import ReviewDecision, RiskEntry, RiskList, RiskReview
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
def entry_review(*, grant: StaffGrant, entry: RiskEntry, decision: str, note: str = "",
                 referral: Referral | None = None) -> RiskReview:
    """Record the GP's review of one patient (changing an earlier one is allowed)."""
    _require_list(grant, entry.risk_list)
    actor = grant.user
    review, _created = RiskReview.objects.update_or_create(
        entry=entry, defaults={"decision": decision, "note": note[:300], "reviewed_by": actor,
                               "referral": referral},
    )
    audit_record(actor=actor, action=Action.UPDATE, resource="risk_entry", resource_id=entry.pk,
                 municipality=entry.risk_list.municipality, role="gp",
                 purpose=_("Gjennomgang av risikoliste: %(d)s") % {"d": review.get_decision_display()})
    return review


@transaction.atomic
def entry_refer(*, grant: StaffGrant, entry: RiskEntry, **fields: Any) -> Referral:
    """Report the patient's need to the coordinating unit, from the risk list."""
    _require_list(grant, entry.risk_list)
    actor = grant.user
    referral = referral_create(
        grant=grant, channel=Channel.GP_RISK_LIST, source=Source.GP_RISK_LIST, reporter_name=actor.full_name, reporter_email=actor.email,
        reporter_phone=actor.phone, **fields,
    )
    entry_review(grant=grant, entry=entry, decision=ReviewDecision.REFER, referral=referral)
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

