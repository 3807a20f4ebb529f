"""Register, list and disable the machine clients allowed to call the FHIR API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oppfolging.accounts.models import Municipality
from oppfolging.fhir import scopes
from oppfolging.fhir.models import ApiClient


class Command(BaseCommand):
    help = "Manage the FHIR API's client registry: add, list, disable."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Register a client, or change an existing one.")
        add.add_argument("--client", required=True, help="The client id HelseID puts in the token.")
        add.add_argument("--name", required=True, help="What the access log shows, e.g. the system's name.")
        add.add_argument("--municipality", default="", help="Kommunenummer; required for system/ scopes.")
        add.add_argument("--scope", required=True, help='Allowed SMART scopes, e.g. "system/*.read user/Task.write".')
        sub.add_parser("list", help="List the clients.")
        disable = sub.add_parser("disable", help="Refuse the client's tokens from now on.")
        disable.add_argument("--client", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for client in ApiClient.objects.select_related("municipality"):
                state = "active" if client.is_active else "disabled"
                self.stdout.write(f"{client.client_id}\t{client.name}\t{client.municipality or '-'}\t{state}\t{client.scopes}")
            return
        if action == "disable":
            updated = ApiClient.objects.filter(client_id=options["client"]).update(is_active=False)
            if not updated:
                raise CommandError(f"No client {options['client']!r}.")
            self.stdout.write(f"Disabled {options['client']}.")
            return
        allowed = scopes.parse(options["scope"])
        if not allowed.items:
            raise CommandError("No SMART scope given (e.g. system/CarePlan.read).")
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(number=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"No municipality {options['municipality']!r}.")
        if any(s.context == "system" for s in allowed.items) and municipality is None:
            raise CommandError("A client with system/ scopes must belong to a municipality (--municipality).")
        client, created = ApiClient.objects.update_or_create(
            client_id=options["client"],
            defaults={"name": options["name"], "municipality": municipality, "scopes": options["scope"],
                      "is_active": True},
        )
        self.stdout.write(f"{'Registered' if created else 'Updated'} {client}.")
