"""Measure what the access log's hash chain costs per insert on PostgreSQL.

Creates a fresh database, migrates it, and writes entries through `audit_record`, each in its
own transaction as a request would: first with the chain (advisory lock, read of the chain's
newest hash, HMAC), then with the chain switched off, in alternating rounds; then with two
processes writing to one municipality's chain at once, and verifies the chain afterwards.

    .venv/bin/python bench/audit_chain.py [--entries 2000] [--rounds 5] [--server postgres://postgres@127.0.0.1:5432]

The database oppfolging_bench_audit is dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "oppfolging_bench_audit"


def setup_django(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DATABASE}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "oppfolging.settings"
    import django

    django.setup()


def write(count: int, municipality_id: int, actor_id: int) -> float:
    """Write `count` entries, each in its own transaction; return seconds per entry."""
    from django.db import transaction

    from oppfolging.accounts.models import Municipality, User
    from oppfolging.audit.services import audit_record

    municipality, actor = Municipality.objects.get(pk=municipality_id), User.objects.get(pk=actor_id)
    start = time.perf_counter()
    for n in range(count):
        with transaction.atomic():
            audit_record(actor=actor, action="read", resource="person", resource_id=n,
                         municipality=municipality, purpose="Benk")
    return (time.perf_counter() - start) / count


def worker(server: str, count: int, municipality_id: int, actor_id: int, out: multiprocessing.Queue) -> None:
    setup_django(server)
    out.put(write(count, municipality_id, actor_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    try:
        env = {**os.environ, "DATABASE_URL": f"{args.server}/{DATABASE}", "DEBUG": "1"}
        subprocess.run([sys.executable, "-m", "oppfolging", "migrate", "--no-input", "-v", "0"], env=env, check=True)
        setup_django(args.server)
        from oppfolging.accounts.models import Municipality, User
        from oppfolging.audit import chain
        from oppfolging.audit.models import AuditEvent

        municipality = Municipality.objects.create(number="9999", name="Benk kommune")
        actor = User.objects.create(username="benk", first_name="Benk", last_name="Bruker")
        seal = chain.seal
        with_chain, without = [], []
        for _ in range(args.rounds):
            chain.seal = seal
            with_chain.append(write(args.entries, municipality.pk, actor.pk))
            chain.seal = lambda event, using: None
            without.append(write(args.entries, municipality.pk, actor.pk))
        chain.seal = seal
        a, b = statistics.median(with_chain), statistics.median(without)
        print(f"one writer, {args.entries} entries x {args.rounds} rounds (median per entry): "
              f"with chain {a * 1e6:.0f} µs, without {b * 1e6:.0f} µs, cost {(a - b) * 1e6:.0f} µs")

        from django.db import connection

        connection.close()
        queue: multiprocessing.Queue = multiprocessing.Queue()
        processes = [multiprocessing.Process(target=worker, args=(args.server, args.entries, municipality.pk,
                                                                  actor.pk, queue)) for _ in range(2)]
        start = time.perf_counter()
        for process in processes:
            process.start()
        results = [queue.get() for _ in processes]
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - start
        print(f"two writers on one chain at once: {statistics.mean(results) * 1e6:.0f} µs per entry each, "
              f"{2 * args.entries / elapsed:.0f} entries/s together")
        # Entries written with the chain switched off have no hash: check the chained ones only.
        chained = AuditEvent.objects.exclude(entry_hash="").order_by("id")
        previous, breaks = "", 0
        for event in chained.iterator(chunk_size=5000):
            breaks += event.prev_hash not in (previous, "") or event.entry_hash != chain.entry_hash(event.prev_hash, event)
            previous = event.entry_hash
        print(f"chain after concurrent writes: {chained.count()} chained entries, {breaks} breaks")
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
