"""Create the synthetic demo municipalities. Safe to run again: it never duplicates data."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.catalogue.models import Service
from oppfolging.demo import data
from oppfolging.demo.assessments import create_demo_assessments
from oppfolging.demo.history import create_demo_history
from oppfolging.demo.intake import create_demo_path
from oppfolging.demo.meetings import create_demo_meetings
from oppfolging.demo.outcomes import create_demo_outcomes
from oppfolging.demo.plans import create_demo_plans, create_demo_portal_users
from oppfolging.demo.plantools import create_demo_plan_tools
from oppfolging.demo.risk import create_demo_risk_list, demo_gp_and_unit
from oppfolging.lib import identity
from oppfolging.people.models import Gender, Person, RelatedPerson, Relationship

REFERENCE_DATE = dt.date(2026, 1, 1)


class Command(BaseCommand):
    help = "Create (or complete) the synthetic demo municipalities with staff, services and persons."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed for the persons.")
        parser.add_argument("--skip-risk", action="store_true",
                            help="Do not score a simulated GP list (faster; used by some tests).")
        parser.add_argument("--skip-history", action="store_true",
                            help="Do not write five years of synthetic history (faster; used by tests).")

    def handle(self, *args: Any, seed: int, skip_risk: bool = False, skip_history: bool = False,
               **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "Refusing to create demo users and invented persons: this is not a demo installation. "
                "Set OPPFOLGING_DEMO=1 (as `make demo` does) only where the data is for show."
            )
        users_before = User.objects.filter(username__startswith="demo-").count()
        self._create(seed=seed, skip_risk=skip_risk, skip_history=skip_history)
        demo_users = User.objects.filter(username__startswith="demo-").count()
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {Municipality.objects.count()} municipalities, {demo_users} demo users, "
            f"{Person.objects.count()} persons."
        ))
        if demo_users > users_before:
            self.stdout.write(
                f"New demo users sign in with one click on the sign-in page, or with their user name "
                f"and this installation's password: {data.demo_password()}"
            )

    @transaction.atomic
    def _create(self, *, seed: int, skip_risk: bool, skip_history: bool) -> None:
        rng = random.Random(seed)
        # A fixed anchor, so the same persons come out whatever day the command runs.
        today = REFERENCE_DATE
        evaluator = _user("demo-evaluator", "Siri", "Vik", "Forsker, evaluering")
        for index, (number, name, person_count) in enumerate(data.MUNICIPALITIES):
            municipality, _ = Municipality.objects.get_or_create(number=number, defaults={"name": name})
            RoleAssignment.objects.get_or_create(user=evaluator, municipality=None, role=Role.EVALUATOR)
            services = _services(municipality, short=name.split()[0])
            staff = _staff(municipality, services, main=index == 0)
            gps = [u for u, role in staff if role == Role.GP]
            _persons(municipality, rng, person_count, gps, today)
            if index == 0:
                _break_glass_example(municipality, staff)
            staff_by_role: dict[str, list[User]] = {}
            for user, role in staff:
                staff_by_role.setdefault(role, []).append(user)
            persons = list(Person.objects.filter(municipality=municipality).order_by("pk"))
            create_demo_assessments(municipality=municipality, persons=persons,
                                    staff_by_role=staff_by_role, today=timezone.localdate())
            create_demo_path(municipality=municipality, persons=persons,
                             staff_by_role=staff_by_role, today=timezone.localdate())
            create_demo_plans(municipality=municipality, today=timezone.localdate())
            create_demo_meetings(municipality=municipality, today=timezone.localdate())
            if not skip_history:
                create_demo_history(municipality=municipality, seed=seed + index,
                                    today=timezone.localdate(), persons=250 if index < 2 else 40)
                create_demo_outcomes(municipality=municipality, seed=seed + index,
                                     today=timezone.localdate())
            if index == 0:
                create_demo_portal_users(municipality=municipality)
                if not skip_risk and (pair := demo_gp_and_unit(municipality)):
                    create_demo_risk_list(municipality=municipality, gp=pair[0], unit=pair[1])
            create_demo_plan_tools(municipality=municipality, main=index == 0)


def _user(username: str, first: str, last: str, title: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "title": title,
                  "email": f"{username}@demo.oppfolging.invalid"},
    )
    if created:
        user.set_password(data.demo_password())
        user.save(update_fields=["password"])
    return user


def _services(municipality: Municipality, short: str) -> dict[str, Service]:
    services = {}
    for name, sector, description, target, how, phone in data.SERVICES:
        local_name = name.replace("Fjordvik", short)
        service, _ = Service.objects.get_or_create(
            municipality=municipality,
            name=local_name,
            defaults={
                "sector": sector, "description": description, "target_group": target,
                "how_to_get": how, "contact_phone": phone,
                "contact_email": f"post@{short.lower().replace('å', 'aa')}.kommune.invalid",
            },
        )
        services[name] = service
    return services


def _staff(
    municipality: Municipality, services: dict[str, Service], *, main: bool
) -> list[tuple[User, str]]:
    staff: list[tuple[User, str]] = []
    suffix = "" if main else "-" + municipality.number
    rows = data.STAFF if main else [r for r in data.STAFF if r[4] in (Role.COORDINATING_UNIT, Role.COORDINATOR, Role.GP, Role.LEADER)]
    for key, first, last, title, role, service_name in rows:
        if not main:
            first = {"ke": "Lise", "koordinator": "Arild", "koordinator2": "Nina", "fastlege": "Petter",
                     "fastlege2": "Kjersti", "leder": "Geir"}.get(key, first)
        user = _user(f"demo-{key}{suffix}", first, last, title)
        RoleAssignment.objects.get_or_create(
            user=user, municipality=municipality, role=role,
            defaults={"service": services.get(service_name) if service_name else None},
        )
        staff.append((user, role))
    return staff


def _persons(
    municipality: Municipality, rng: random.Random, count: int, gps: list[User], today: dt.date
) -> None:
    # Ages spread over the whole life course: children, young adults, adults, the old.
    age_bands = [(3, 17), (18, 29), (30, 66), (67, 79), (80, 96)]
    for i in range(count):
        # Draw every random value before looking at the database, so a second run draws
        # exactly the same persons and finds them already there.
        local = random.Random(rng.random())
        lo, hi = age_bands[i % len(age_bands)]
        birth = today - dt.timedelta(days=local.randint(lo * 365 + 30, hi * 365 + 300))
        individual = local.randint(0, 400) if birth.year < 2000 else local.randint(500, 900)
        number = identity.make_synthetic(birth_date=birth, individual=individual)
        parsed = identity.parse(number, allow_synthetic=True)
        # The third individual digit carries sex; the number decides, as in the real register.
        female = parsed.sex == "F"
        given = local.choice(data.GIVEN_F if female else data.GIVEN_M)
        family = local.choice(data.FAMILY)
        if Person.objects.filter(municipality=municipality, identity_number=number).exists():
            continue
        person = Person.objects.create(
            municipality=municipality, given_name=given, family_name=family,
            identity_number=number, identity_kind=str(parsed.kind), birth_date=birth,
            gender=Gender.FEMALE if female else Gender.MALE,
            phone=f"9{local.randint(1000000, 9999999)}",
            address=f"{local.choice(data.STREETS)} {local.randint(1, 80)}",
            postal_code=f"{9900 + int(municipality.number[-1])}",
            postal_place=municipality.name.replace(" kommune", ""),
            gp=local.choice(gps) if gps else None,
        )
        _related(person, local, today)


def _related(person: Person, rng: random.Random, today: dt.date) -> None:
    if person.age(today) < 18:
        for relation_female in (True, False):
            given = rng.choice(data.GIVEN_F if relation_female else data.GIVEN_M)
            RelatedPerson.objects.create(
                person=person, given_name=given, family_name=person.family_name,
                relationship=Relationship.PARENT, is_guardian=True,
                has_parental_responsibility=True, is_primary_contact=relation_female,
                phone=f"4{rng.randint(1000000, 9999999)}",
            )
    elif person.age(today) >= 67:
        given = rng.choice(data.GIVEN_F + data.GIVEN_M)
        RelatedPerson.objects.create(
            person=person, given_name=given, family_name=person.family_name,
            relationship=Relationship.CHILD, is_primary_contact=True,
            phone=f"4{rng.randint(1000000, 9999999)}",
        )
    elif rng.random() < 0.5:
        RelatedPerson.objects.create(
            person=person, given_name=rng.choice(data.GIVEN_F + data.GIVEN_M),
            family_name=rng.choice(data.FAMILY), relationship=Relationship.SPOUSE,
            is_primary_contact=True, phone=f"4{rng.randint(1000000, 9999999)}",
        )


def _break_glass_example(municipality: Municipality, staff: list[tuple[User, str]]) -> None:
    member = next(u for u, role in staff if role == Role.TEAM_MEMBER)
    if BreakGlassAccess.objects.filter(user=member).exists():
        return
    person = Person.objects.filter(municipality=municipality).order_by("birth_date").first()
    if person is None:
        return
    now = timezone.now()
    BreakGlassAccess.objects.create(
        user=member, person=person, created_at=now - dt.timedelta(days=2),
        expires_at=now - dt.timedelta(days=2) + dt.timedelta(hours=4),
        reason="Ringt av hjemmesykepleien på kveldstid: trengte å se pårørende og fastlege "
        "for å varsle om fall.",
    )
