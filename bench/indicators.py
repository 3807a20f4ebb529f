"""Benchmark the indicator dashboard on PostgreSQL with a large municipality.

Creates a fresh database, migrates it, builds one municipality with 50,000 persons in the
register, about 5,000 of them with a follow-up team, and five years of events (reports,
decisions, teams, consents, plans, goal evaluations, meetings with attendance and agendas,
assessments), all with bulk_create. Then renders the leader's dashboard for the last whole
year (and a quarter, a month, the exports and the evaluator's comparison) through Django's
test client and prints the times. Target: the dashboard for a year in under 1 second.

    .venv/bin/python bench/indicators.py [--persons 50000] [--referred 7700] [--repeat 5] [--keep]

The database is oppfolging_bench on postgres://postgres@127.0.0.1:5432 (override with
--server); it is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "oppfolging_bench"


def recreate_database(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def drop_database(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def timed(label: str, fn, repeat: int) -> float:
    """Run fn `repeat` times; print and return the median in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"  {label:<44} median {median * 1000:7.0f} ms   best {min(times) * 1000:7.0f} ms")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument(
        "--referred",
        type=int,
        default=7_700,
        help="persons with a report of need; about two in three get a team",
    )
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    recreate_database(args.server)
    os.environ["DATABASE_URL"] = f"{args.server}/{DATABASE}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
    sys.path.insert(0, str(ROOT / "src"))
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.server)


def run(args: argparse.Namespace) -> int:
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
    from oppfolging.catalogue.models import Service
    from oppfolging.demo import data
    from oppfolging.demo.history import build_history
    from oppfolging.indicators import periods
    from oppfolging.people.models import Person
    from oppfolging.teams.models import Team

    setup_test_environment()
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - start:.1f} s")

    municipality = Municipality.objects.create(number="9990", name="Benkvik kommune")
    for name, sector, description, target, how, phone in data.SERVICES:
        Service.objects.create(
            municipality=municipality,
            name=name.replace("Fjordvik", "Benkvik"),
            sector=sector,
            description=description,
            target_group=target,
            how_to_get=how,
            contact_phone=phone,
        )
    leader = User.objects.create(username="bench-leader", first_name="Lea", last_name="Leder")
    unit = User.objects.create(username="bench-ke", first_name="Kai", last_name="Enhet")
    evaluator = User.objects.create(
        username="bench-evaluator", first_name="Eva", last_name="Evaluator"
    )
    RoleAssignment.objects.create(user=leader, municipality=municipality, role=Role.LEADER)
    RoleAssignment.objects.create(user=unit, municipality=municipality, role=Role.COORDINATING_UNIT)
    RoleAssignment.objects.create(user=evaluator, municipality=None, role=Role.EVALUATOR)

    today = timezone.localdate()
    start = time.perf_counter()
    counts = build_history(
        municipality=municipality,
        persons=args.persons,
        referred=args.referred,
        years=args.years,
        rng=random.Random(2026),
        today=today,
        coordinators=max(10, args.referred // 20),
    )
    built = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total_rows = sum(counts.values())
    print(f"built {total_rows:,} rows in {built:.1f} s:")
    for name, n in counts.items():
        print(f"  {name:<22} {n:>9,}")
    teams = Team.objects.filter(person__municipality=municipality).count()
    print(f"persons in the register: {Person.objects.count():,}; with a team: {teams:,}")

    client = Client()
    client.force_login(leader)
    evaluator_client = Client()
    evaluator_client.force_login(evaluator)
    year = periods.containing(periods.YEAR, today).previous()
    quarter = periods.containing(periods.QUARTER, today).previous()
    month = periods.containing(periods.MONTH, today).previous()
    base = f"/indikatorer/{municipality.number}/"

    def get(c: Client, url: str) -> None:
        response = c.get(url)
        assert response.status_code == 200, (url, response.status_code)

    with CaptureQueriesContext(connection) as queries:
        get(client, f"{base}?periode={year.code}")
    print(f"\ndashboard for {year.label}: {len(queries)} queries")
    get(client, f"{base}?periode={year.code}")  # warm
    print(f"timings over {args.repeat} runs (PostgreSQL, {connection.pg_version // 10000}):")
    result = timed(
        f"dashboard, year {year.code} (with 5-year trend)",
        lambda: get(client, f"{base}?periode={year.code}"),
        args.repeat,
    )
    timed("dashboard, current year to date", lambda: get(client, base), args.repeat)
    timed(
        f"dashboard, quarter {quarter.code} (8-quarter trend)",
        lambda: get(client, f"{base}?periode={quarter.code}"),
        args.repeat,
    )
    timed(
        f"dashboard, month {month.code} (12-month trend)",
        lambda: get(client, f"{base}?periode={month.code}"),
        args.repeat,
    )
    timed(
        "CSV export, year",
        lambda: get(client, f"{base}indikatorer.csv?periode={year.code}"),
        args.repeat,
    )
    timed(
        "Excel export, year",
        lambda: get(client, f"{base}indikatorer.xlsx?periode={year.code}"),
        args.repeat,
    )
    timed(
        "FHIR MeasureReport, year",
        lambda: get(client, f"{base}measurereport.json?periode={year.code}"),
        args.repeat,
    )
    timed(
        "evaluator comparison, year",
        lambda: get(evaluator_client, f"/indikatorer/kommuner/?periode={year.code}"),
        args.repeat,
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average during the run: {load} on {os.cpu_count()} CPUs")
    verdict = "under" if result < 1 else "OVER"
    print(f"\nyear dashboard median {result * 1000:.0f} ms: {verdict} the 1 s target")
    return 0 if result < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
