"""Run Django's management commands as the `oppfolging` console command."""

import os
import sys


def main() -> None:
    """Dispatch to an engine's own command line, or to Django's with the project settings.

    ``oppfolging risk …`` and ``oppfolging effect …`` are engines, plain Python that needs no web
    settings: they are dispatched before Django is imported, so they run in a fresh shell with no
    SECRET_KEY, DEBUG or database (and start faster). Everything else goes through Django.
    """
    if sys.argv[1:2] == ["risk"]:
        from oppfolging.risk.cli import main as risk_main

        sys.exit(risk_main(sys.argv[2:]))
    if sys.argv[1:2] == ["effect"]:
        from oppfolging.effect.cli import main as effect_main

        sys.exit(effect_main(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
