"""A record of every notification sent, so a job that runs twice sends nothing twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SentNotification(models.Model):
    """One notification, identified by a key that names what it is about and for whom."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    recipient = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key


class NotificationFailure(models.Model):
    """A send that failed (the mail server refused or was down); it is tried again on the next run.

    Counted by the metrics (oppfolging_notifications_failed_last_day). The key names what the
    notification is about by ids only; no address or text is kept here.
    """

    key = models.CharField(max_length=200)
    error = models.CharField(max_length=100)
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.error}"
