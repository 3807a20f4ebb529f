"""Run Django's management commands as the `oppfolging` console command."""

import os
import sys


def main() -> None:
    """Dispatch to Django's command line with the project's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
