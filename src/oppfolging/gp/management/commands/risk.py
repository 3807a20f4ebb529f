"""`oppfolging risk …`: the risk engine's command line (simulate, fit, score, evaluate)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from oppfolging.risk.cli import main


class Command(BaseCommand):
    help = "Risk stratification over GP extracts: simulate, fit, score, evaluate (see docs/risk.md)."

    def run_from_argv(self, argv: list[str]) -> None:
        # Hand everything after `risk` to the engine's own argument parser.
        sys.exit(main(argv[2:]))

    def handle(self, *args: Any, **options: Any) -> None:
        sys.exit(main(list(args)))
