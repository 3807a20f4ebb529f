"""`oppfolging effect …`: the effect engine's command line (estimate, simulate).

`oppfolging effect` is dispatched to the engine before Django loads (oppfolging.__main__), so
it needs no SECRET_KEY or database; this command makes it listed and reachable as
`manage.py effect` too.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from oppfolging.effect.cli import main


class Command(BaseCommand):
    help = "Effect of the teams on acute admissions from GP extracts: estimate, simulate (docs/effect.md)."

    def run_from_argv(self, argv: list[str]) -> None:
        # Hand everything after `effect` to the engine's own argument parser.
        sys.exit(main(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:
        sys.exit(main(list(args)))
