"""Run Django's management commands as the `oppfolging` console command."""

import os
import sys


def main() -> None:
    """Dispatch to Django's command line with the project's settings.

    `oppfolging effect …` goes straight to the effect engine, which never imports Django, so an
    analyst can run it in a fresh shell without SECRET_KEY, DEBUG or a database.
    """
    if sys.argv[1:2] == ["effect"]:
        from oppfolging.effect.cli import main as effect_main

        sys.exit(effect_main(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
