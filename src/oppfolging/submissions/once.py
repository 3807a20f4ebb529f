"""Claim a form's one-time token in the transaction that creates the record (see models)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, models, transaction

from oppfolging.accounts.models import User
from oppfolging.submissions.models import Submission


class AlreadySubmitted(Exception):
    """The form was sent before with this token; `object_id` is what the first sending made."""

    def __init__(self, submission: Submission) -> None:
        super().__init__("This form was already sent.")
        self.object_type = submission.object_type
        self.object_id = submission.object_id


class Claim:
    def __init__(self, submission: Submission | None) -> None:
        self.submission = submission

    def created(self, obj: models.Model) -> None:
        """Record what this sending made, so a repeat can show it."""
        if self.submission is not None:
            self.submission.object_type = obj._meta.label_lower
            self.submission.object_id = obj.pk
            self.submission.save(update_fields=["object_type", "object_id"])


@contextmanager
def once(token: uuid.UUID | None, *, user: User | None) -> Iterator[Claim]:
    """Run the body once per token; raise AlreadySubmitted for a repeat, before the body runs.

    The claim and the body share one transaction: if the body raises, the claim is undone too.
    Two sendings at the same moment meet at the token's unique index; the later one waits for
    the first to commit and is then told it was a repeat.
    """
    if token is None:
        with transaction.atomic():
            yield Claim(None)
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = Submission.objects.create(token=token, user=user if user and user.pk else None)
        except IntegrityError:
            raise AlreadySubmitted(Submission.objects.get(token=token)) from None
        yield Claim(submission)


def was_submitted(token: str, *, user: User) -> bool:
    """Tell whether the user already sent a form with this token (a double click, seen before access is checked)."""
    try:
        return Submission.objects.filter(token=uuid.UUID(token), user=user).exists()
    except ValueError:
        return False
