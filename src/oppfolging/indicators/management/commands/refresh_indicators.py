"""Recompute the indicators' summary table now, without waiting for the scheduler."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from oppfolging.accounts.models import Municipality
from oppfolging.indicators.tasks import indicators_refresh


class Command(BaseCommand):
    help = "Recompute the indicator figures of every municipality (or --municipality NUMBER) now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--municipality", help="The municipality's number; every one if left out.")

    def handle(self, *args: Any, municipality: str | None, **options: Any) -> None:
        municipalities = Municipality.objects.order_by("number")
        if municipality:
            municipalities = municipalities.filter(number=municipality)
            if not municipalities.exists():
                raise CommandError(f"No municipality numbered {municipality}.")
        for m in municipalities:
            rows = indicators_refresh(municipality=m)
            self.stdout.write(f"{m.number} {m.name}: {rows} figures")
