"""Every main page at a large municipality on PostgreSQL: query counts, server time, ratios.

Builds two municipalities in one database: a large one (by default 2,000 persons known to the
coordinating unit, about 400 active teams, 60 coordinators, five years of history, 2 million
access-log entries) and a small one for comparison (`--small`, a tenth of the size). Then fetches
every main page of every role through Django's test client, in process, in interleaved rounds
(each round fetches every page at both sizes, so a busy machine slows all pages alike), and prints
per page: the queries at the small and the large size, the median server time at the large size,
and that time as a multiple of the cheapest page's in the same run.

    .venv/bin/python bench/scale.py                       # build, measure, drop
    .venv/bin/python bench/scale.py --persons 500 --audit-rows 200000 --keep   # quick iteration
    .venv/bin/python bench/scale.py --reuse --rounds 7    # measure again on the kept database
    .venv/bin/python bench/scale.py --audit-rows 20000000 # the audit log at 20 M entries

The history is written with bulk_create (demo/history.py), the access log with one
INSERT … SELECT over generate_series per million rows (the log's hash chain is left empty in
these rows: `audit_verify` is not meant to pass on a benchmark database).
The database is oppfolging_scale on postgres://postgres@127.0.0.1:5432 (override with --server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "oppfolging_scale"
LARGE, SMALL = "9991", "9992"


def database_exists(server: str, name: str) -> bool:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def recreate_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def setup_django(server: str, name: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-bench-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "*")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oppfolging.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


@dataclass
class Size:
    """The users and records one municipality's pages are fetched with."""

    number: str
    cu: Any = None
    coordinator: Any = None
    team_member: Any = None
    leader: Any = None
    evaluator: Any = None
    person: Any = None
    person_user: Any = None
    kin_user: Any = None
    meeting: Any = None
    audit_user: Any = None
    counts: dict[str, int] = field(default_factory=dict)


def build(number: str, *, persons: int, coordinators: int, gps: int, members: int, audit_rows: int,
          years: int, seed: int) -> None:
    """Create one municipality with `years` of history and `audit_rows` access-log entries."""
    import random

    from django.db import connection
    from django.utils import timezone

    from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
    from oppfolging.catalogue.models import Service
    from oppfolging.demo import data
    from oppfolging.demo.history import build_history
    from oppfolging.notifications.models import Notification
    from oppfolging.people.models import Person
    from oppfolging.portal.models import Message
    from oppfolging.teams.models import CoordinatorAssignment, Team, TeamMembership

    rng = random.Random(seed)
    municipality = Municipality.objects.create(number=number, name=f"Skala{number} kommune")
    services = [Service.objects.create(municipality=municipality, name=name.replace("Fjordvik", "Skala"),
                                       sector=sector, description=description, target_group=target,
                                       how_to_get=how, contact_phone=phone)
                for name, sector, description, target, how, phone in data.SERVICES]

    def user(username: str, first: str, last: str, role: str, service: Any = None) -> Any:
        u = User.objects.create(username=f"{number}-{username}", first_name=first, last_name=last)
        RoleAssignment.objects.create(user=u, municipality=municipality, role=role, service=service)
        return u

    unit = user("ke", "Kari", "Enhet", Role.COORDINATING_UNIT)
    user("leder", "Lea", "Leder", Role.LEADER)
    if not User.objects.filter(username="scale-evaluator").exists():
        evaluator = User.objects.create(username="scale-evaluator", first_name="Eva", last_name="Evaluator")
        RoleAssignment.objects.create(user=evaluator, municipality=None, role=Role.EVALUATOR)
    for i in range(gps):
        user(f"lege{i}", rng.choice(data.GIVEN_F), rng.choice(data.FAMILY), Role.GP)
    today = timezone.localdate()
    start = time.perf_counter()
    counts = build_history(municipality=municipality, persons=persons, referred=persons, years=years,
                           rng=rng, today=today, coordinators=coordinators)
    print(f"  {number}: history of {sum(counts.values()):,} rows in {time.perf_counter() - start:.0f} s")

    # Team members who sign in: each serves in some of the active teams through their service.
    active = list(Team.objects.filter(person__municipality=municipality, closed_at__isnull=True)
                  .order_by("pk"))
    staff = [user(f"ansatt{i}", rng.choice(data.GIVEN_M), rng.choice(data.FAMILY), Role.TEAM_MEMBER,
                  services[i % len(services)]) for i in range(members)]
    TeamMembership.objects.bulk_create([
        TeamMembership(team=team, user=staff[i % members], service=services[(i % members) % len(services)],
                       role_in_team="Tjenesteyter", added_by=unit, joined_on=today - dt.timedelta(days=90))
        for i, team in enumerate(active)
    ], batch_size=2000)
    # What waits on the coordinators, and messages from the persons.
    assignments = list(CoordinatorAssignment.objects.filter(team__in=active, ended_at__isnull=True)
                       .values_list("team__person_id", "coordinator_id"))
    Notification.objects.bulk_create([
        Notification(key=f"scale-{number}-{person_id}-{n}", kind="message", recipient_user_id=coordinator_id,
                     person_id=person_id, municipality=municipality)
        for person_id, coordinator_id in assignments if coordinator_id for n in range(3)
    ], batch_size=2000)
    Message.objects.bulk_create([
        Message(person_id=person_id, sender_user_id=coordinator_id, sender_kind="professional",
                body="Hei, vi sees på møtet.")
        for person_id, coordinator_id in assignments if coordinator_id
    ], batch_size=2000)

    # The access log: five years of reads, in time order as they were written.
    actors = list(RoleAssignment.objects.filter(municipality=municipality).values_list("user_id", flat=True))
    person_ids = list(Person.objects.filter(municipality=municipality).values_list("pk", flat=True))
    start = time.perf_counter()
    step = 1_000_000
    with connection.cursor() as cursor:
        for first in range(0, audit_rows, step):
            n = min(step, audit_rows - first)
            cursor.execute(
                """
                INSERT INTO audit_auditevent (at, actor_id, actor_name, actor_role, actor_unit,
                    municipality_id, person_id, resource, resource_id, action, purpose, break_glass,
                    ip, prev_hash, entry_hash, client)
                SELECT now() - make_interval(days => %(years)s * 365)
                           + (%(first)s + i)::float8 / %(total)s * make_interval(days => %(years)s * 365),
                       (%(actors)s::bigint[])[1 + floor(random() * %(n_actors)s)::int],
                       'Skala Ansatt', 'coordinator', 'Skala', %(municipality)s,
                       (%(persons)s::bigint[])[1 + floor(random() * %(n_persons)s)::int],
                       (ARRAY['person','plan','team','meeting','messages'])[1 + floor(random() * 5)::int],
                       '', 'read', 'Tjenstlig behov', random() < 0.0005, NULL, '', '', ''
                FROM generate_series(1, %(n)s) AS i
                """,
                {"years": years, "first": first, "total": audit_rows, "actors": actors,
                 "n_actors": len(actors), "municipality": municipality.pk, "persons": person_ids,
                 "n_persons": len(person_ids), "n": n},
            )
    print(f"  {number}: {audit_rows:,} access-log entries in {time.perf_counter() - start:.0f} s")


def cast(number: str) -> Size:
    """Find the users and records of a built municipality that the pages are fetched with."""
    from django.db.models import Count, Q

    from oppfolging.accounts.models import Role, RoleAssignment, User
    from oppfolging.meetings.models import Meeting
    from oppfolging.people.models import Person, RelatedPerson
    from oppfolging.teams.models import Team, TeamMembership

    size = Size(number)

    def role(r: str) -> Any:
        return (RoleAssignment.objects.filter(municipality__number=number, role=r).select_related("user")
                .order_by("pk").first().user)

    size.cu = role(Role.COORDINATING_UNIT)
    size.leader = role(Role.LEADER)
    size.evaluator = User.objects.get(username="scale-evaluator")
    # The busiest coordinator who has a team with a plan, a next of kin and a planned meeting (at a
    # small size the very busiest may have none).
    coordinators = (
        User.objects.filter(role_assignments__municipality__number=number,
                            role_assignments__role=Role.COORDINATOR)
        .annotate(active=Count("coordinator_assignments",
                               filter=Q(coordinator_assignments__ended_at__isnull=True)))
        .order_by("-active", "pk")
    )
    team = None
    for size.coordinator in coordinators:
        team = (Team.objects.filter(person__municipality__number=number, closed_at__isnull=True,
                                    coordinator_assignments__coordinator=size.coordinator,
                                    coordinator_assignments__ended_at__isnull=True,
                                    plans__isnull=False, memberships__kind="next_of_kin",
                                    meetings__status="planned")
                .order_by("pk").first())
        if team is not None:
            break
    if team is None:
        raise SystemExit(f"municipality {number}: no coordinator has a team with a plan, a next of kin and "
                         "a planned meeting; build a larger size")
    size.person = team.person
    size.meeting = Meeting.objects.filter(team=team, status="planned").order_by("starts_at").first()
    size.team_member = TeamMembership.objects.filter(team__person__municipality__number=number,
                                                     user__isnull=False).order_by("pk").first().user
    size.audit_user = size.coordinator
    if size.person.user_id is None:
        person_user = User.objects.create(username=f"{number}-personen", first_name=size.person.given_name,
                                          last_name=size.person.family_name)
        Person.objects.filter(pk=size.person.pk).update(user=person_user)
        kin = RelatedPerson.objects.filter(person=size.person).order_by("pk").first()
        kin_user = User.objects.create(username=f"{number}-parorende", first_name=kin.given_name,
                                       last_name=kin.family_name)
        RelatedPerson.objects.filter(pk=kin.pk).update(user=kin_user)
        size.person.refresh_from_db()
    size.person_user = size.person.user
    size.kin_user = RelatedPerson.objects.filter(person=size.person, user__isnull=False).first().user
    return size


# (page, who asks, url); the url is built from the size's records.
def pages(today: dt.date) -> list[tuple[str, str, Callable[[Size], str]]]:
    from django.urls import reverse

    three_years = (today - dt.timedelta(days=3 * 365)).isoformat()
    return [
        ("health check (baseline)", "cu", lambda s: reverse("operations:live")),
        ("start, coordinating unit", "cu", lambda s: reverse("home:start")),
        ("start, coordinator", "coordinator", lambda s: reverse("home:start")),
        ("start, team member", "team_member", lambda s: reverse("home:start")),
        ("inbox, coordinator", "coordinator", lambda s: reverse("notifications:inbox")),
        ("person list, unit", "cu", lambda s: reverse("people:list")),
        ("person", "coordinator", lambda s: reverse("people:detail", args=[s.person.pk])),
        ("team", "coordinator", lambda s: reverse("teams:person_team", args=[s.person.pk])),
        ("plan", "coordinator", lambda s: reverse("plans:detail", args=[s.person.pk])),
        ("meeting", "coordinator", lambda s: reverse("meetings:detail", args=[s.person.pk, s.meeting.pk])),
        ("followed-up overview, unit", "cu", lambda s: reverse("teams:overview")),
        ("new report form, unit", "cu", lambda s: reverse("referrals:create")),
        ("report queue, unit", "cu", lambda s: reverse("referrals:queue")),
        ("Min plan, person", "person_user", lambda s: reverse("portal:plan", args=[s.person.pk])),
        ("Min plan, next of kin", "kin_user", lambda s: reverse("portal:plan", args=[s.person.pk])),
        ("Min plan, who has looked", "person_user", lambda s: reverse("portal:access_log", args=[s.person.pk])),
        ("audit search, person", "cu",
         lambda s: reverse("audit:search") + f"?person={s.person.identity_number}"),
        ("audit search, user", "cu", lambda s: reverse("audit:search") + f"?user={s.audit_user.pk}"),
        ("audit search, 3 years", "cu",
         lambda s: reverse("audit:search") + f"?date_from={three_years}&date_to={today.isoformat()}"),
        ("indicators dashboard", "leader",
         lambda s: reverse("indicators:dashboard", args=[s.number])),
        ("evaluator comparison", "evaluator", lambda s: reverse("indicators:comparison")),
        ("plan PDF", "coordinator", lambda s: reverse("plans:pdf", args=[s.person.pk])),
    ]


def measure(sizes: list[Size], rounds: int, only: str | None) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    today = timezone.localdate()
    measured = [p for p in pages(today) if not only or only.lower() in p[0].lower() or p[0].startswith("health")]
    clients: dict[tuple[str, str], Client] = {}
    for size in sizes:
        for _, who, _ in measured:
            if (size.number, who) not in clients:
                c = Client()
                c.force_login(getattr(size, who))
                clients[(size.number, who)] = c

    def fetch(size: Size, who: str, url: str) -> tuple[float, int]:
        c = clients[(size.number, who)]
        with CaptureQueriesContext(connection) as queries:
            begin = time.perf_counter()
            response = c.get(url)
            elapsed = time.perf_counter() - begin
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, sum(1 for q in queries.captured_queries if "pg_advisory_xact_lock" not in q["sql"])

    first_pdf: float | None = None
    queries: dict[tuple[str, str], int] = {}
    times: dict[tuple[str, str], list[float]] = {}
    # A warm-up round: the first PDF (fonts) and per-process caches are reported, not counted.
    for name, who, url in measured:
        for size in sizes:
            elapsed, _ = fetch(size, who, url(size))
            if name == "plan PDF" and first_pdf is None:
                first_pdf = elapsed
    for _ in range(rounds):
        for name, who, url in measured:
            for size in sizes:
                elapsed, n = fetch(size, who, url(size))
                queries[(name, size.number)] = n
                times.setdefault((name, size.number), []).append(elapsed)
    large, small = sizes[0].number, sizes[-1].number
    medians = {name: statistics.median(times[(name, large)]) for name, _, _ in measured}
    cheapest = min(medians.values())
    print(f"\n{'page':<30} {'who':<12} {'queries S':>9} {'queries L':>9} {'median L':>9} {'× cheapest':>10}")
    flat = True
    for name, who, _ in measured:
        qs, ql = queries[(name, small)], queries[(name, large)]
        flat &= qs == ql
        mark = "" if qs == ql else "  ← grows"
        print(f"{name:<30} {who:<12} {qs:>9} {ql:>9} {medians[name] * 1000:>7.1f}ms "
              f"{medians[name] / cheapest:>9.0f}×{mark}")
    if first_pdf is not None:
        print(f"first plan PDF in the process: {first_pdf * 1000:.0f} ms")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{rounds} interleaved rounds; load average {load} on {os.cpu_count()} CPUs")
    return 0 if flat else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--persons", type=int, default=2000, help="persons known to the unit (large size)")
    parser.add_argument("--small", type=int, default=0, help="persons at the small size (default a tenth)")
    parser.add_argument("--coordinators", type=int, default=60)
    parser.add_argument("--audit-rows", type=int, default=2_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--page", help="measure only the pages whose name contains this")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure on a kept database, do not build")
    args = parser.parse_args()
    small = args.small or max(50, args.persons // 10)
    factor = small / args.persons

    reuse = args.reuse and database_exists(args.server, args.database)
    if not reuse:
        recreate_database(args.server, args.database)
    setup_django(args.server, args.database)
    try:
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        call_command("migrate", verbosity=0)
        if not reuse:
            start = time.perf_counter()
            print(f"building {args.persons:,} + {small:,} persons, {args.audit_rows:,} log entries …")
            build(LARGE, persons=args.persons, coordinators=args.coordinators, gps=20,
                  members=40, audit_rows=args.audit_rows, years=args.years, seed=1)
            build(SMALL, persons=small, coordinators=max(3, round(args.coordinators * factor)),
                  gps=max(2, round(20 * factor)), members=max(2, round(40 * factor)),
                  audit_rows=round(args.audit_rows * factor), years=args.years, seed=2)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE") if connection.get_autocommit() else cursor.execute("ANALYZE")
            print(f"built in {time.perf_counter() - start:.0f} s")
        sizes = [cast(LARGE), cast(SMALL)]
        from oppfolging.audit.models import AuditEvent
        from oppfolging.teams.models import Team

        for size in sizes:
            active = Team.objects.filter(person__municipality__number=size.number, closed_at__isnull=True).count()
            log = AuditEvent.objects.filter(municipality__number=size.number).count()
            print(f"municipality {size.number}: {active:,} active teams, {log:,} access-log entries")
        # What the scheduler's background job does every 15 minutes (indicators/tasks.py).
        from oppfolging.accounts.models import Municipality
        from oppfolging.indicators.tasks import indicators_refresh

        for size in sizes:
            start = time.perf_counter()
            rows = indicators_refresh(municipality=Municipality.objects.get(number=size.number))
            print(f"municipality {size.number}: indicators' summary refreshed ({rows:,} figures) "
                  f"in {time.perf_counter() - start:.1f} s")
        return measure(sizes, args.rounds, args.page)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.reuse:
            drop_database(args.server, args.database)


if __name__ == "__main__":
    sys.exit(main())
