"""A bounded load on gunicorn: the realistic mix of pages against the cheapest page, in one run.

Runs gunicorn with the project's configuration on the database bench/scale.py built (run that
with --keep first), signs the large municipality's users in, and sends GET requests on loopback
from 10 and then 50 client threads. At each level the realistic mix (coordinators, the unit,
«Min plan», now and then a search, the indicators, a PDF) and the cheapest page (the health
check) take turns in short slices, so a busy machine slows both alike. Prints requests per
second, p50/p95/p99, and the mix's figures as multiples of the cheapest page's; and the CPU time
gunicorn (master and workers) and PostgreSQL used per request in each, read from /proc, which
other work on the machine does not change the way it changes the times. With every client
waiting for its answer, the p95s' ratio at saturation follows the ratio of those costs.

    .venv/bin/python bench/scale.py --keep            # once: the large municipality
    .venv/bin/python bench/load.py --seconds 20       # 2 levels × (mix + cheapest) × 20 s

The database is oppfolging_scale on postgres://postgres@127.0.0.1:5432 (as bench/scale.py).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # noqa: E402

ROOT = scale.ROOT

# (page name in scale.pages, weight): what a working day looks like.
MIX = {
    "start, coordinator": 10, "plan": 10, "person": 6, "inbox, coordinator": 6, "team": 4,
    "meeting": 4, "start, team member": 6, "start, coordinating unit": 4,
    "followed-up overview, unit": 2, "report queue, unit": 2, "new report form, unit": 1,
    "person list, unit": 2, "Min plan, person": 6, "Min plan, next of kin": 3,
    "Min plan, who has looked": 1, "audit search, person": 0.5, "audit search, user": 0.5,
    "audit search, 3 years": 0.5, "indicators dashboard": 0.5, "evaluator comparison": 0.2,
    "plan PDF": 0.3,
}
CHEAPEST = "health check (baseline)"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class LockSampler:
    """Sample PostgreSQL's sessions while the load runs: how often a request waits for the audit
    chain's advisory lock (audit/chain.py), against how many sessions are busy at all.

    If the lock serialised the access-log writes, some session would be waiting for it in most
    samples; the share of samples with a waiter, and the mean number of waiters, tell.
    """

    def __init__(self, dsn: str, interval: float = 0.02) -> None:
        self.dsn, self.interval = dsn, interval
        self.samples: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LockSampler:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),"
                    "       count(*) FILTER (WHERE state = 'active')"
                    "  FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                self.samples.append((row[0], row[1]))
                self._stop.wait(self.interval)

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        n = len(self.samples)
        waiting = sum(1 for w, _ in self.samples if w)
        return (f"audit chain lock: a session waits for it in {waiting / n:.1%} of {n} samples "
                f"(mean {sum(w for w, _ in self.samples) / n:.2f} waiting, "
                f"{sum(a for _, a in self.samples) / n:.2f} sessions busy)")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system) of each process still running (Linux /proc).

    Not with finished children: gunicorn's master would gain a recycled worker's whole life at once.
    """
    tick = os.sysconf("SC_CLK_TCK")
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended since it was listed
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return times


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes used between two readings: a process that ended in between (a worker
    recycled after max_requests, its database session) is not counted for that slice, so the
    figure is a lower bound."""
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def process_tree(root: int) -> list[int]:
    """The process and its live descendants (gunicorn's master and workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def postgres_pids(database: str) -> list[int]:
    """PostgreSQL's server processes for sessions on the database (not its shared background ones)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres" and \
                    f" {database} " in (comm.parent / "cmdline").read_text().replace("\0", " "):
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def run_slice(port: int, requests: list[tuple[str, str]], clients: int, seconds: float,
              times: list[float], errors: list[str]) -> int:
    """Send requests from `clients` threads for `seconds`; append each one's time; return how many."""
    stop = time.perf_counter() + seconds
    done = [0]
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < stop:
            url, cookie = rng.choice(requests)
            begin = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", url, headers={"Cookie": cookie, "Host": "localhost"})
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 200
            except OSError as error:
                ok, response = False, error  # type: ignore[assignment]
            elapsed = time.perf_counter() - begin
            with lock:
                if ok:
                    times.append(elapsed)
                    done[0] += 1
                else:
                    errors.append(f"{url}: {getattr(response, 'status', response)}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default=scale.DATABASE)
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--seconds", type=float, default=20, help="per level, for each of mix and cheapest")
    parser.add_argument("--slices", type=int, default=4, help="turns the mix and the cheapest page take")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: the project's)")
    parser.add_argument("--port", type=int, default=8391)
    args = parser.parse_args()
    if not scale.database_exists(args.server, args.database):
        print(f"No database {args.database}: run bench/scale.py --keep first.")
        return 2
    scale.setup_django(args.server, args.database)
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    size = scale.cast(scale.LARGE)
    cookies: dict[str, str] = {}
    pages = {name: (who, url(size)) for name, who, url in scale.pages(timezone.localdate())}
    for who in {who for who, _ in pages.values()}:
        client = Client()
        client.force_login(getattr(size, who))
        cookies[who] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    mix: list[tuple[str, str]] = []
    for name, weight in MIX.items():
        who, url = pages[name]
        mix += [(url, cookies[who])] * max(1, round(weight * 10))
    who, url = pages[CHEAPEST]
    cheapest = [(url, cookies[who])]

    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{args.port}", LOG_LEVEL="WARNING")
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "python:oppfolging.operations.gunicorn_conf", "oppfolging.wsgi"],
        env=env, cwd=ROOT,
    )
    try:
        for _ in range(120):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", pages[CHEAPEST][1], headers={"Host": "localhost"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(1)
        else:
            print("gunicorn did not answer")
            return 2
        errors: list[str] = []
        run_slice(args.port, mix, 4, 5, [], errors)  # warm every worker
        print(f"gunicorn workers: {env.get('WEB_CONCURRENCY', 'default (2 × CPUs + 1)')}; "
              f"{len(MIX)} pages in the mix; {args.slices} alternating slices of {args.seconds / args.slices:.1f} s")
        print(f"\n{'clients':>7} {'load':<9} {'req/s':>7} {'p50':>8} {'p95':>8} {'p99':>8}")
        worst = 0.0
        for clients in args.clients:
            results: dict[str, tuple[list[float], int]] = {"mix": ([], 0), "cheapest": ([], 0)}
            cpu: dict[str, list[float]] = {"mix": [0.0, 0.0], "cheapest": [0.0, 0.0]}
            samplers = {"mix": LockSampler(f"{args.server}/{args.database}"),
                        "cheapest": LockSampler(f"{args.server}/{args.database}")}
            for _ in range(args.slices):
                for label, requests in (("mix", mix), ("cheapest", cheapest)):
                    times, n = results[label]
                    before = (cpu_seconds(process_tree(server.pid)), cpu_seconds(postgres_pids(args.database)))
                    with samplers[label]:
                        n += run_slice(args.port, requests, clients, args.seconds / args.slices, times, errors)
                    cpu[label][0] += cpu_used(before[0], cpu_seconds(process_tree(server.pid)))
                    cpu[label][1] += cpu_used(before[1], cpu_seconds(postgres_pids(args.database)))
                    results[label] = (times, n)
            figures = {}
            for label, (times, n) in results.items():
                rate = n / args.seconds
                p50, p95, p99 = (percentile(times, f) for f in (0.5, 0.95, 0.99))
                figures[label] = (rate, p50, p95, p99)
                print(f"{clients:>7} {label:<9} {rate:>7.1f} {p50 * 1000:>6.0f}ms {p95 * 1000:>6.0f}ms "
                      f"{p99 * 1000:>6.0f}ms")
            mix_f, cheap_f = figures["mix"], figures["cheapest"]
            print(f"{clients:>7} {'ratio':<9} {cheap_f[0] / mix_f[0]:>6.1f}× {mix_f[1] / cheap_f[1]:>7.1f}× "
                  f"{mix_f[2] / cheap_f[2]:>7.1f}× {mix_f[3] / cheap_f[3]:>7.1f}×  "
                  f"(cheapest req/s ÷ mix; mix p ÷ cheapest p)")
            per = {label: [c / max(1, results[label][1]) * 1000 for c in cpu[label]] for label in cpu}
            for label in ("mix", "cheapest"):
                print(f"{clients:>7} {label:<9} CPU per request: gunicorn {per[label][0]:.1f} ms, "
                      f"PostgreSQL {per[label][1]:.1f} ms")
            print(f"{clients:>7} {'ratio':<9} CPU per request, gunicorn and PostgreSQL: "
                  f"{sum(per['mix']) / max(sum(per['cheapest']), 1e-9):.1f}×")
            print(f"{clients:>7} {'mix':<9} {samplers['mix'].summary()}")
            worst = max(worst, mix_f[2] / cheap_f[2])
        if errors:
            print(f"\n{len(errors)} failed requests, e.g. {errors[:3]}")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average {load} on {os.cpu_count()} CPUs")
        return 0 if worst <= 3 and not errors else 1
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
