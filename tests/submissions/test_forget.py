"""Old one-time tokens are forgotten by the reminder sweep; recent ones still stop a resubmission."""

import datetime as dt
import uuid

from django.utils import timezone

from oppfolging.notifications.reminders import run_all
from oppfolging.submissions.models import Submission


def test_the_sweep_forgets_tokens_older_than_the_setting_and_keeps_recent_ones(db, settings):
    settings.SUBMISSION_TOKEN_DAYS = 30
    now = timezone.now()
    old = Submission.objects.create(token=uuid.uuid4(), object_type="plans.goal", object_id=1,
                                    created_at=now - dt.timedelta(days=31))
    recent = Submission.objects.create(token=uuid.uuid4(), object_type="plans.goal", object_id=2,
                                       created_at=now - dt.timedelta(days=29))
    counts = run_all(now=now)
    assert counts["submission_tokens_forgotten"] == 1
    assert not Submission.objects.filter(pk=old.pk).exists()
    assert Submission.objects.filter(pk=recent.pk).exists()
    assert run_all(now=now)["submission_tokens_forgotten"] == 0
