"""Run every reminder job once (for cron or a systemd timer); safe to run as often as you like."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from oppfolging.notifications.reminders import run_all


class Command(BaseCommand):
    help = "Send due reminders: checkpoints, idle plans, agendas and overdue action items."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = run_all()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
