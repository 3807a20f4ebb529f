"""Run Django's management commands as the `oppfolging` console command."""

import os
import sys


def main() -> None:
    """Dispatch to the risk engine's own command line, or to Django's with the project settings.

    ``oppfolging risk …`` is the engine, which is plain Python and needs no web settings: it is
    dispatched before Django is imported, so it runs in a fresh shell with no SECRET_KEY or
    DEBUG (and starts faster). Everything else goes through Django's command line.
    """
    if len(sys.argv) > 1 and sys.argv[1] == "risk":
        from oppfolging.risk.cli import main as risk_main

        sys.exit(risk_main(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
