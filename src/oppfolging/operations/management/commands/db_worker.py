"""`oppfolging db_worker`: django-tasks-db's worker, with a lease and a reconnecting loop.

- A heartbeat thread renews this worker's lease (WorkerHeartbeat) every quarter of
  TASK_LEASE_SECONDS and, every half lease, recovers jobs whose worker is gone (operations/jobs.py):
  a job whose worker was killed mid-way is queued again or failed with a clear message.
- When the database connection is lost (a restart, a failover, pg_terminate_backend) the worker
  does not exit: it closes its connections, gives back the job it held (if any), waits a moment
  and carries on. A supervisor (systemd, docs/operations.md) still restarts it if it dies.

This app is listed before django_tasks_db in INSTALLED_APPS, so this command replaces theirs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from oppfolging.operations import jobs

logger = logging.getLogger("oppfolging.worker")


class Worker(db_worker.Worker):
    """The stock worker loop, leased and restarted after a lost database connection."""

    def run(self) -> None:
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(stop,), name="heartbeat", daemon=True)
        beat.start()
        pause = 1.0
        try:
            while self.running:
                try:
                    super().run()
                    return
                except (OperationalError, InterfaceError) as error:
                    if not self.running:
                        return
                    logger.warning("database connection lost (%s); reconnecting in %.0f s", type(error).__name__, pause)
                    connections.close_all()
                    time.sleep(pause)
                    pause = min(pause * 2, 30.0)
                    self._give_back_held_job()
                else:
                    pause = 1.0
        finally:
            stop.set()
            beat.join(timeout=30)
            self._give_up_lease()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        self.startup_delay = False  # after a reconnect, carry on at once

    def _give_back_held_job(self) -> None:
        """Requeue (or fail) a job this worker claimed but could not finish when the database went away."""
        try:
            for line in jobs.jobs_recover(worker_id=self.worker_id):
                logger.warning(line)
        except (OperationalError, InterfaceError):
            connections.close_all()  # still down: the heartbeat thread's recovery will see to it

    def _heartbeat(self, stop: threading.Event) -> None:
        """Renew the lease, and now and then recover jobs whose worker is gone; never raise."""
        interval = max(settings.TASK_LEASE_SECONDS / 4, 0.2)
        last_recovery = 0.0
        while not stop.is_set():
            try:
                close_old_connections()
                jobs.heartbeat(worker_id=self.worker_id)
                if time.monotonic() - last_recovery >= settings.TASK_LEASE_SECONDS / 2:
                    last_recovery = time.monotonic()
                    for line in jobs.jobs_recover():
                        logger.warning(line)
            except Exception:  # noqa: BLE001 - a lost connection or a busy database: try again next beat
                logger.warning("heartbeat failed; trying again", exc_info=True)
                connections.close_all()
            stop.wait(interval)
        connections.close_all()

    def _give_up_lease(self) -> None:
        """Remove this worker's heartbeat on a clean stop, after the heartbeat thread has ended.

        Done here rather than in that thread, so that a beat still under way cannot write the row
        again after it was removed; tried a few times, since a busy database must not leave a
        stopped worker looking alive for a lease.
        """
        for attempt in range(1, 4):
            try:
                close_old_connections()
                jobs.heartbeat_end(worker_id=self.worker_id)
                return
            except Exception:  # noqa: BLE001 - a busy or lost database: try again, then say so
                connections.close_all()
                if attempt == 3:
                    logger.warning("could not remove the heartbeat on the way out", exc_info=True)
                time.sleep(0.5 * attempt)


class Command(db_worker.Command):
    help = "Run the background worker (django-tasks-db) with a lease per worker and reconnection."

    def handle(self, *args: Any, **options: Any) -> None:
        # The stock command builds its worker from this name; replacing the class is the point.
        db_worker.Worker = Worker  # type: ignore[misc]
        super().handle(*args, **options)
