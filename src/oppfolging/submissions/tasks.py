"""Forgetting old one-time tokens (see submissions.models): the table would otherwise grow forever."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from oppfolging.submissions.models import Submission


def submissions_forget_old(*, now: dt.datetime) -> int:
    """Delete the claims of tokens older than SUBMISSION_TOKEN_DAYS; the records they made stay."""
    cutoff = now - dt.timedelta(days=settings.SUBMISSION_TOKEN_DAYS)
    deleted, _ = Submission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
