"""Run `oppfolging db_worker` with GP scoring held at 45 % for a minute, so a test can kill it there.

Only the progress callback is slowed; the worker, the task and the database are the real ones.
"""

import sys
import time

import django

if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
    django.setup()
    from oppfolging.gp import tasks
    from oppfolging.gp.models import RiskList

    real_progress = tasks._progress

    def held_at_45_percent(list_id: int):  # noqa: ANN202
        update = real_progress(list_id)

        def say(step: str, fraction: float) -> None:
            update(step, fraction)
            if fraction >= 0.45:
                RiskList.objects.filter(pk=list_id).update(progress=fraction, progress_step=step)
                time.sleep(60)

        return say

    tasks._progress = held_at_45_percent
    from django.core.management import execute_from_command_line

    execute_from_command_line(["oppfolging", *sys.argv[1:]])
