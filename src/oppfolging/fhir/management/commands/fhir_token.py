"""Mint a token from the local development issuer, for trying the FHIR API with curl or a client."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from oppfolging.fhir import dev_issuer
from oppfolging.fhir.models import ApiClient


class Command(BaseCommand):
    help = "Print an access token signed by the local development issuer (FHIR_DEV_ISSUER)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", required=True, help="A registered client id (see fhir_client).")
        parser.add_argument("--scope", required=True, help='Space-separated SMART scopes, e.g. "system/*.read".')
        parser.add_argument("--hpr", default="", help="On behalf of the staff user with this HPR number.")
        parser.add_argument("--pid", default="", help="On behalf of the user with this identity number.")
        parser.add_argument("--minutes", type=int, default=60, help="Lifetime (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.FHIR_DEV_ISSUER:
            raise CommandError("The development issuer is off (FHIR_DEV_ISSUER); tokens come from HelseID here.")
        if not ApiClient.objects.filter(client_id=options["client"], is_active=True).exists():
            raise CommandError(f"No active client {options['client']!r}; register it with `oppfolging fhir_client add`.")
        self.stdout.write(dev_issuer.mint(
            client_id=options["client"], scopes=options["scope"], hpr_number=options["hpr"],
            pid=options["pid"], minutes=options["minutes"],
        ))
