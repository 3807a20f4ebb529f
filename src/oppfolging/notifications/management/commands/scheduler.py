"""Enqueue the reminder job and the indicators' refresh at a fixed interval, for the worker to run."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from oppfolging.indicators.tasks import refresh_indicators
from oppfolging.notifications.reminders import send_reminders


class Command(BaseCommand):
    help = "Enqueue the reminders and the indicators' refresh every --interval seconds (run beside `oppfolging db_worker`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=int, default=900, help="Seconds between runs.")
        parser.add_argument("--once", action="store_true", help="Enqueue once and exit.")

    def handle(self, *args: Any, interval: int, once: bool, **options: Any) -> None:
        while True:
            result = send_reminders.enqueue()
            self.stdout.write(f"Enqueued reminders ({result.id})")
            result = refresh_indicators.enqueue()
            self.stdout.write(f"Enqueued the indicators' refresh ({result.id})")
            if once:
                return
            time.sleep(interval)
