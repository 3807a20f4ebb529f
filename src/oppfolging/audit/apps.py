from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.management import CommandError
from django.db.models.signals import pre_migrate
from django.utils.translation import gettext_lazy as _


def refuse_reverse_audit_migration(sender: Any, plan: Any = None, **kwargs: Any) -> None:
    """Refuse a migration plan that takes the audit app backwards (it would drop the trigger or the log)."""
    if settings.TESTING or not plan:
        return
    if any(backwards and migration.app_label == "audit" for migration, backwards in plan):
        raise CommandError(
            "Refusing to migrate the audit app backwards: that would remove the access log's "
            "protection or the log itself (pasientjournalloven § 22). Restore a backup instead."
        )


class AuditConfig(AppConfig):
    name = "oppfolging.audit"
    verbose_name = _("Tilgangslogg")

    def ready(self) -> None:
        from oppfolging.audit import checks  # noqa: F401  (registers the deploy check)

        pre_migrate.connect(refuse_reverse_audit_migration, dispatch_uid="oppfolging.audit.no_reverse")
