"""Reads for the GP's risk list."""

from __future__ import annotations

from oppfolging.gp.models import ReviewDecision, RiskList


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
