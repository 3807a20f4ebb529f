"""The fixed cast every view is tested with (style.md), as pytest fixtures.

In municipality A: the coordinating unit (writes), the person's GP (reads, read-only), a
colleague in a team who does not serve the person, a leader, an administrator; the person and
a next of kin. In municipality B: a coordinating unit who must see nothing of A. An evaluator
who sees aggregates only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.catalogue.models import Sector, Service
from oppfolging.lib import identity
from oppfolging.people.models import Gender, Person, RelatedPerson, Relationship

PASSWORD = "correct-horse-battery"

# The suite runs on shared machines (CI's included): a property is judged by its examples, not by
# how fast a busy machine produced them.
hypothesis_settings.register_profile("shared", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("shared")


def make_user(username: str, first: str, last: str) -> User:
    user = User.objects.create(username=username, first_name=first, last_name=last)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_person(municipality: Municipality, *, given: str, family: str, birth: dt.date,
                individual: int = 123, gp: User | None = None) -> Person:
    number = identity.make_synthetic(birth_date=birth, individual=individual)
    return Person.objects.create(
        municipality=municipality, given_name=given, family_name=family,
        identity_number=number, identity_kind="tenor", birth_date=birth,
        gender=Gender.FEMALE, gp=gp,
    )


@dataclass
class Cast:
    municipality: Municipality
    other_municipality: Municipality
    service: Service
    other_service: Service
    cu: User
    gp: User
    colleague: User
    leader: User
    admin: User
    evaluator: User
    stranger: User
    person: Person
    other_person: Person
    next_of_kin: RelatedPerson

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def cast(db: None) -> Cast:
    a = Municipality.objects.create(number="9801", name="Testvik kommune")
    b = Municipality.objects.create(number="9802", name="Andreby kommune")
    service = Service.objects.create(
        municipality=a, name="Hjemmesykepleien", sector=Sector.HEALTH_AND_CARE,
        description="Helsehjelp hjemme.", how_to_get="Søk tildelingskontoret.",
    )
    other_service = Service.objects.create(
        municipality=b, name="NAV Andreby", sector=Sector.NAV,
        description="Arbeid og økonomi.", how_to_get="Ring NAV.",
    )
    cu = make_user("ke", "Kari", "Koordinerende")
    gp = make_user("lege", "Lars", "Lege")
    colleague = make_user("kollega", "Kim", "Kollega")
    leader = make_user("leder", "Lene", "Leder")
    admin = make_user("admin", "Ada", "Admin")
    evaluator = make_user("evaluator", "Eva", "Evaluator")
    stranger = make_user("fremmed", "Frank", "Fremmed")
    for user, role, municipality, unit in [
        (cu, Role.COORDINATING_UNIT, a, None),
        (gp, Role.GP, a, None),
        (colleague, Role.TEAM_MEMBER, a, service),
        (leader, Role.LEADER, a, None),
        (admin, Role.ADMINISTRATOR, a, None),
        (evaluator, Role.EVALUATOR, None, None),
        (stranger, Role.COORDINATING_UNIT, b, other_service),
    ]:
        RoleAssignment.objects.create(user=user, role=role, municipality=municipality, service=unit)
    person = make_person(a, given="Petra", family="Person", birth=dt.date(1960, 5, 17), gp=gp)
    other_person = make_person(b, given="Otto", family="Annen", birth=dt.date(1970, 1, 2),
                               individual=234)
    next_of_kin = RelatedPerson.objects.create(
        person=person, given_name="Nils", family_name="Person",
        relationship=Relationship.CHILD, is_primary_contact=True,
    )
    return Cast(a, b, service, other_service, cu, gp, colleague, leader, admin, evaluator,
                stranger, person, other_person, next_of_kin)


@pytest.fixture
def deliver():
    """Send every pending notification now, as the background worker does after each commit.

    Inside a test the transaction never commits, so queued deliveries wait until this is called.
    """
    from oppfolging.notifications.tasks import deliveries_retry_due

    return deliveries_retry_due


@pytest.fixture
def demo_mode(settings) -> None:
    """Turn demo mode on, as `make demo` does: `oppfolging demo` refuses to run without it."""
    settings.DEMO_MODE = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """Let Django empty the PostgreSQL test database between transactional tests.

    The access log refuses TRUNCATE in every real database (audit/0003); Django's test teardown
    empties tables with TRUNCATE, so only this throw-away database switches that trigger off.
    tests/audit/test_audit_log.py switches it back on to show that it refuses.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_truncate")


@pytest.fixture(autouse=True)
def document_storage(tmp_path_factory, settings):
    """Keep every test's uploaded documents in a temporary folder of its own, never under var/."""
    root = tmp_path_factory.mktemp("documents")
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": None},
    }}
    return root


@pytest.fixture(autouse=True)
def default_language():
    """Start every test in bokmål and leave none in another language.

    Django's locale middleware activates the signed-in user's written standard for the thread and
    does not switch it back after the response; with the test client in the same thread, a request
    as a nynorsk user would leave the next test on that worker speaking nynorsk.
    """
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
