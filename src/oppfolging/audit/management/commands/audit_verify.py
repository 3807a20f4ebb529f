"""Check the access log's hash chain: report every changed, removed or inserted entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from oppfolging.audit import chain
from oppfolging.audit.models import AuditEvent


class Command(BaseCommand):
    help = ("Verify the access log's keyed hash chain. Prints each chain's length and newest hash: "
            "record them outside the database, so removing the newest entries is noticed too.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = chain.verify(AuditEvent.objects.order_by("id").iterator(chunk_size=5000))
        for number, (length, head) in sorted(result.chains.items()):
            self.stdout.write(f"chain {number}: {length} entries, newest hash {head}")
        for problem in result.problems:
            self.stderr.write(problem)
        if result.problems:
            raise CommandError(
                f"The access log has been tampered with: {len(result.problems)} problems in "
                f"{result.checked} entries (or AUDIT_CHAIN_KEY is not the key the entries were written with)."
            )
        self.stdout.write(self.style.SUCCESS(f"{result.checked} entries verified: the chain is intact."))
