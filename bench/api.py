"""Benchmark the FHIR API: a CarePlan bundle with its Goals and CareTeam vs. a plain JSON view.

Builds a fresh database (SQLite in a temporary folder by default) with one person whose plan has
`--goals` goals of two measures each and a team of `--members` members, registers an API client
and mints a token from the local issuer. Then, in rounds that alternate the two, it times

  fhir   GET /fhir/R4/CarePlan?patient=…&_include=CarePlan:goal&_include=CarePlan:care-team
         (token verification, scopes, the access policy, one audit entry, fhir.resources
         validation of every resource, the Bundle)
  plain  a bare Django view returning the same rows (plan, goals, measures, team, members) as
         JSON, with no token, policy, audit or validation

through Django's test client (no network), and prints the medians, the queries of each, and the
ratio.

    .venv/bin/python bench/api.py [--goals 12] [--members 8] [--rounds 30] [--per-round 10]
                                  [--database-url postgres://postgres@127.0.0.1:5432/oppf_bench_api]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def configure(database_url: str, tmp: str) -> None:
    os.environ.update({
        "DATABASE_URL": database_url, "DEBUG": "1", "ALLOW_SYNTHETIC_IDS": "1", "FHIR_DEV_ISSUER": "1",
        "FHIR_DEV_ISSUER_KEY_FILE": f"{tmp}/key.pem", "ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": f"{tmp}/static", "DJANGO_SETTINGS_MODULE": "oppfolging.settings",
    })
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "__main__"


def plain_view(request, person_id):  # noqa: ANN001, ANN201 - the bench's own baseline
    """Return the plan's rows as plain JSON: what the FHIR search returns, without the API."""
    from django.http import JsonResponse

    from oppfolging.plans.models import Goal, IndividualPlan, Measure

    plan = IndividualPlan.objects.select_related("person", "team").get(person_id=person_id)
    goals = list(Goal.objects.filter(plan=plan).order_by("position", "pk"))
    measures = list(Measure.objects.filter(goal__plan=plan).select_related(
        "responsible_membership__user", "responsible_service"))
    members = list(plan.team.memberships.select_related("user", "service", "related_person")) if plan.team else []
    coordinators = list(plan.team.coordinator_assignments.select_related("coordinator")) if plan.team else []
    return JsonResponse({
        "plan": {"id": plan.pk, "status": plan.status, "what_matters": plan.what_matters,
                 "period_start": plan.period_start, "version": plan.version},
        "goals": [{"id": g.pk, "text": g.text, "status": g.status, "next_evaluation_on": g.next_evaluation_on}
                  for g in goals],
        "measures": [{"id": m.pk, "goal": m.goal_id, "description": m.description, "status": m.status,
                      "responsible": m.responsible_label} for m in measures],
        "team": {"id": plan.team_id,
                 "coordinators": [{"user": a.coordinator.full_name, "since": a.started_at} for a in coordinators],
                 "members": [{"name": m.display_name, "role": m.role_in_team, "joined_on": m.joined_on}
                             for m in members]},
    })


def build(goals: int, members: int) -> tuple[int, str]:
    from django.core.management import call_command

    from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
    from oppfolging.catalogue.models import Service
    from oppfolging.fhir import dev_issuer
    from oppfolging.fhir.models import ApiClient
    from oppfolging.lib import identity
    from oppfolging.people.models import Person
    from oppfolging.plans.models import Goal, IndividualPlan, Measure
    from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.create(number="9899", name="Benchvik")
    service = Service.objects.create(municipality=municipality, name="Hjemmetjenesten", sector="health_and_care",
                                     description="Hjelp hjemme.", how_to_get="Søk.")
    unit = User.objects.create(username="ke", first_name="Kari", last_name="Enhet")
    RoleAssignment.objects.create(user=unit, municipality=municipality, role=Role.COORDINATING_UNIT)
    birth = dt.date(1960, 5, 17)
    person = Person.objects.create(municipality=municipality, given_name="Petra", family_name="Bench",
                                   identity_number=identity.make_synthetic(birth_date=birth, individual=123),
                                   identity_kind="tenor", birth_date=birth, gender="female")
    Consent.objects.create(person=person, scope="team_and_plan", given_by="person", method="paper")
    team = Team.objects.create(person=person, created_by=unit)
    CoordinatorAssignment.objects.create(team=team, coordinator=unit, appointed_by=unit)
    memberships = []
    for n in range(members):
        user = User.objects.create(username=f"m{n}", first_name=f"Medlem{n}", last_name="Team")
        RoleAssignment.objects.create(user=user, municipality=municipality, role=Role.TEAM_MEMBER, service=service)
        memberships.append(TeamMembership.objects.create(team=team, user=user, service=service,
                                                         role_in_team="Tjenesteyter", added_by=unit))
    plan = IndividualPlan.objects.create(person=person, team=team, created_by=unit, what_matters="Å bo hjemme")
    for n in range(goals):
        goal = Goal.objects.create(plan=plan, text=f"Mål nummer {n}", author_kind="person", position=n,
                                   next_evaluation_on=dt.date(2031, 1, 1))
        for k in range(2):
            Measure.objects.create(goal=goal, description=f"Tiltak {n}.{k}", extent="1 time i uka",
                                   responsible_membership=memberships[(n + k) % len(memberships)])
    ApiClient.objects.create(client_id="bench", name="Bench", municipality=municipality,
                             scopes="system/*.read")
    return person.pk, dev_issuer.mint(client_id="bench", scopes="system/*.read", minutes=600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=12)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        configure(args.database_url or f"sqlite:///{tmp}/bench.sqlite3", tmp)
        _urls()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        person_id, bearer = build(args.goals, args.members)
        fhir_client = Client(HTTP_AUTHORIZATION=f"Bearer {bearer}")
        plain_client = Client()
        fhir_url = (f"/fhir/R4/CarePlan?patient={person_id}&_include=CarePlan:goal"
                    f"&_include=CarePlan:care-team")
        plain_url = f"/bench/plain/{person_id}/"

        def fhir() -> int:
            response = fhir_client.get(fhir_url)
            assert response.status_code == 200, response.content[:300]
            return len(response.content)

        def plain() -> int:
            response = plain_client.get(plain_url)
            assert response.status_code == 200, response.content[:300]
            return len(response.content)

        sizes = {"fhir": fhir(), "plain": plain()}
        queries = {}
        for name, fn in (("fhir", fhir), ("plain", plain)):
            with CaptureQueriesContext(connection) as ctx:
                fn()
            queries[name] = len(ctx.captured_queries)
        times: dict[str, list[float]] = {"fhir": [], "plain": []}
        ratios = []
        for _ in range(args.rounds):
            per = {}
            for name, fn in (("fhir", fhir), ("plain", plain)):
                start = time.perf_counter()
                for _ in range(args.per_round):
                    fn()
                per[name] = (time.perf_counter() - start) / args.per_round
                times[name].append(per[name])
            ratios.append(per["fhir"] / per["plain"])
        engine = connection.vendor
    print(f"One CarePlan with {args.goals} goals ({2 * args.goals} measures) and a team of {args.members} "
          f"members + 1 coordinator; {engine}; {args.rounds} rounds x {args.per_round} requests each")
    for name in ("fhir", "plain"):
        print(f"  {name:<6} median {statistics.median(times[name]) * 1000:7.2f} ms/request   "
              f"best {min(times[name]) * 1000:7.2f} ms   {queries[name]:3d} queries   {sizes[name]:6d} bytes")
    print(f"  ratio fhir/plain: median of per-round ratios {statistics.median(ratios):.2f}")
    return 0


urlpatterns: list = []


def _urls() -> None:
    from django.contrib.auth.decorators import login_not_required
    from django.urls import include, path

    urlpatterns.extend([path("bench/plain/<int:person_id>/", login_not_required(plain_view)),
                        path("", include("oppfolging.urls"))])


if __name__ == "__main__":
    sys.exit(main())
