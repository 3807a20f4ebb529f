"""A deploy check: demo accounts have no place in a real installation's database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError

from oppfolging.accounts.models import User


@register(deploy=True)
def check_demo_users(app_configs: Any, **kwargs: Any) -> list[Any]:
    """Report demo users in the database: an error outside demo mode, a reminder inside it."""
    try:
        count = User.objects.filter(username__startswith="demo-").count()
    except DatabaseError:
        return []  # no database yet (before migrate): nothing to report
    if not count:
        return []
    message = f"{count} demo users (user names starting with 'demo-') exist in this database."
    hint = ("Demo users are for demo installations only. Remove them (deactivate the accounts) or "
            "use a fresh database for production.")
    if settings.DEMO_MODE:
        return [Warning(message, hint=hint, id="oppfolging.W010")]
    return [Error(message, hint=hint, id="oppfolging.E010")]
