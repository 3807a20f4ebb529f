"""Optimistic locking: a save based on an old version is refused, never silently applied.

Works on any model with an integer ``version`` field. The caller passes the version the user
started from; when someone else saved in between, EditConflict carries the current row so the
page can show the other change beside the user's own, which is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext


class EditConflict(Exception):
    """Someone else saved the same item after this user opened it."""

    def __init__(self, current: Any, changed_fields: list[str]) -> None:
        super().__init__("The item was changed by someone else.")
        self.current = current
        self.changed_fields = changed_fields


def save_versioned(instance: models.Model, *, expected_version: int, fields: Iterable[str]) -> None:
    """Write the given fields if the stored version is still the expected one."""
    model = type(instance)
    fields = list(fields)
    values: dict[str, Any] = {name: getattr(instance, name) for name in fields}
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        values["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated == 0:
        current = model._default_manager.get(pk=instance.pk)
        changed = [name for name in fields if getattr(current, name) != getattr(instance, name)]
        raise EditConflict(current, changed)
    # Every versioned model has `version`, but Model does not: typing cannot say "a Model with a version".
    instance.version = expected_version + 1  # type: ignore[attr-defined]


def conflict_rows(form: Any, conflict: EditConflict) -> list[tuple[str, Any]]:
    """Return (label, value now stored) for each field of the form the other person changed.

    Bookkeeping the service saves with the field (who wrote it, when) is not on the form and is
    left out: a user is never shown a field's internal name.
    """
    rows = []
    for name in conflict.changed_fields:
        field = form.fields.get(name)
        if field is None:
            continue
        value = getattr(conflict.current, name)
        display = getattr(conflict.current, f"get_{name}_display", None)
        if isinstance(value, bool):
            value = gettext("Ja") if value else gettext("Nei")
        rows.append((str(field.label), display() if display else value))
    return rows


def keep_input_at_current_version(form: Any, conflict: EditConflict) -> None:
    """After a refused stale save: the form keeps what the user typed, now carrying the current
    version, so saving again is a deliberate choice over what the other person saved."""
    form.data = form.data.copy()
    form.data["version"] = conflict.current.version


def save_form_versioned(form: Any, save: Any) -> tuple[bool, EditConflict | None]:
    """Validate a bound form and run `save(version, fields)`; keep the user's input on any refusal.

    Returns (saved, conflict). A stale save leaves the form showing what the user typed, now
    carrying the current version, so saving again is a deliberate choice.
    """
    from django.core.exceptions import ValidationError

    if not form.is_valid():
        return False, None
    try:
        save(form.cleaned_data.get("version") or 0,
             {k: v for k, v in form.cleaned_data.items() if k not in ("version", "submission_token")})
    except EditConflict as conflict:
        keep_input_at_current_version(form, conflict)
        return False, conflict
    except ValidationError as error:
        form.add_error(None, error)
        return False, None
    return True, None
