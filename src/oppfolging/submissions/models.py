"""One click, one record: every form that creates something carries a one-time token.

The token is claimed in the same transaction as the record it creates. A double click, a second
tab or "back and send again" with the same token finds the first claim and is shown the record
already made instead of making another; a refusal (the service said no) rolls the claim back,
so the user can correct the form and send it again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Submission(models.Model):
    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.token} → {self.object_type} {self.object_id}"
