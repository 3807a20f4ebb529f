"""gunicorn's master loads the app and every view before it forks, and holds nothing a fork would share."""

import os
import subprocess
import sys

CHECK = """
import os, threading
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
from oppfolging.wsgi import application
from oppfolging.operations import gunicorn_conf

class Server:
    class log:
        @staticmethod
        def exception(*args):
            raise SystemExit("warm-up failed")

gunicorn_conf.when_ready(Server)
from django.db import connections
import sys
print("views", "oppfolging.gp.views" in sys.modules, "plans", "oppfolging.plans.views" in sys.modules)
print("connections", [alias for alias in connections if connections[alias].connection is not None])
print("threads", threading.active_count())
"""


def test_the_master_imports_every_view_without_opening_a_connection_or_a_thread(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"OPPFOLGING_TESTING", "PYTEST_XDIST_WORKER"}}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", LOG_LEVEL="WARNING")
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["views True plans True", "connections []", "threads 1"]
