"""`flush` empties every table, the access log too: refused outside the test suite."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import CommandError
from django.core.management.commands.flush import Command as FlushCommand


class Command(FlushCommand):
    help = "Refused outside tests: flushing would empty the append-only access log."

    def handle(self, **options: Any) -> None:
        if not settings.TESTING:
            raise CommandError(
                "Refusing to flush the database: it would empty the append-only access log "
                "(pasientjournalloven § 22). Drop and recreate a development database instead."
            )
        super().handle(**options)
