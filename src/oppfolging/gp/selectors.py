"""Reads for the GP's risk list."""

from __future__ import annotations

from oppfolging.gp.models import ReviewDecision, RiskEntry, RiskList, RiskReview
from oppfolging.referrals.models import Referral


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


def entry_referral(entry: RiskEntry) -> Referral | None:
    """Return the report already made from this entry of the list (one the caller may see), if any."""
    review = RiskReview.objects.filter(entry=entry, decision=ReviewDecision.REFER).select_related("referral").first()
    return review.referral if review is not None else None
