"""Deploy check: the application's database role must not be able to switch the log's trigger off."""

from __future__ import annotations

from typing import Any

from django.core.checks import Warning, register
from django.db import DatabaseError, connection

OWNER_QUERY = """
SELECT pg_has_role(current_user, c.relowner, 'MEMBER'), r.rolsuper, pg_get_userbyid(c.relowner), current_user
FROM pg_class c, pg_roles r
WHERE c.oid = 'audit_auditevent'::regclass AND r.rolname = current_user
"""


@register(deploy=True)
def check_audit_table_owner(app_configs: Any, **kwargs: Any) -> list[Any]:
    """Warn when the app's role owns the audit table (or is a superuser): it could drop the trigger."""
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(OWNER_QUERY)
            row = cursor.fetchone()
    except DatabaseError:
        return []  # not migrated yet
    if row is None:
        return []
    owns, superuser, owner, role = row
    if not (owns or superuser):
        return []
    what = "is a superuser" if superuser else f"owns the access log table (owner: {owner})"
    return [Warning(
        f"The application's database role {role!r} {what}: it could disable or drop the trigger "
        f"that keeps the access log append-only.",
        hint="Run migrations as the owner role and the application as a role with only SELECT and "
             "INSERT on audit_auditevent; see docs/operations.md, 'Database roles'.",
        id="oppfolging.W020",
    )]
