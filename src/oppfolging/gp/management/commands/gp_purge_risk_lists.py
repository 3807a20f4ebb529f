"""`oppfolging gp_purge_risk_lists`: delete GP risk lists after the review period (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from oppfolging.gp.services import risk_lists_purge


class Command(BaseCommand):
    help = (
        "Delete GP risk lists older than GP_RISK_LIST_RETENTION_DAYS (keeping referred patients) "
        "and decisions older than GP_RISK_DECISION_RETENTION_DAYS; see docs/risk.md."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = risk_lists_purge()
        self.stdout.write(
            f"Deleted {counts['lists']} lists, {counts['entries']} entries, "
            f"{counts['decisions']} decisions."
        )
