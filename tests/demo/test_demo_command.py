import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.catalogue.models import Service
from oppfolging.demo import data
from oppfolging.demo.checks import check_demo_users
from oppfolging.lib import identity
from oppfolging.people.models import Person, RelatedPerson

pytestmark = pytest.mark.usefixtures("demo_mode")


def counts():
    return (Municipality.objects.count(), User.objects.count(), Service.objects.count(),
            Person.objects.count(), RelatedPerson.objects.count(), RoleAssignment.objects.count())


def test_it_creates_a_synthetic_municipality_and_does_not_duplicate_on_a_second_run(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    assert first[0] >= 3 and first[3] >= 40


def test_it_gives_every_role_a_demo_user(db):
    call_command("demo", skip_risk=True, skip_history=True)
    roles = set(RoleAssignment.objects.filter(user__username__startswith="demo-").values_list("role", flat=True))
    assert roles == set(Role.values)


def test_it_uses_only_tenor_synthetic_numbers(db):
    call_command("demo", skip_risk=True, skip_history=True)
    for number in Person.objects.values_list("identity_number", flat=True):
        parsed = identity.parse(number, allow_synthetic=True)
        assert parsed.kind == identity.IdentityKind.TENOR and parsed.synthetic
        assert int(number[2:4]) > 80


def test_it_covers_all_ages_and_gives_children_guardians(db):
    call_command("demo", skip_risk=True, skip_history=True)
    ages = [p.age() for p in Person.objects.all()]
    assert min(ages) < 18 and max(ages) >= 80
    for child in (p for p in Person.objects.all() if p.is_child):
        assert child.related_persons.filter(is_guardian=True).exists()


def test_it_refuses_to_run_outside_a_demo_installation(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="OPPFOLGING_DEMO"):
        call_command("demo", skip_risk=True, skip_history=True)
    assert not User.objects.exists() and not Person.objects.exists()


def test_it_gives_demo_users_a_random_password_not_one_from_the_source(db):
    out = io.StringIO()
    call_command("demo", skip_risk=True, skip_history=True, stdout=out)
    password = out.getvalue().rsplit("password: ", 1)[1].strip()
    assert len(password) >= 16 and password not in Path(data.__file__).read_text()
    users = User.objects.filter(username__startswith="demo-")
    assert users.count() > 10
    assert all(user.check_password(password) for user in users if user.has_usable_password())
    assert not any(user.check_password("demo-passord-2026") for user in users)
    # Another installation (another process) gets another password.
    data.demo_password.cache_clear()
    assert data.demo_password() != password


def test_it_still_signs_in_a_demo_user_with_one_click(db, client):
    call_command("demo", skip_risk=True, skip_history=True)
    response = client.post(reverse("accounts:demo_sign_in", args=["demo-ke"]))
    assert response.status_code == 302 and response["Location"] == reverse("home:start")
    assert client.get(reverse("home:start")).status_code == 200


def test_it_reports_demo_users_in_check_deploy(db, settings):
    call_command("demo", skip_risk=True, skip_history=True)
    settings.DEMO_MODE = False
    problems = [p for p in check_demo_users(None) if p.id == "oppfolging.E010"]
    assert len(problems) == 1 and "demo users" in problems[0].msg
    with pytest.raises(SystemCheckError, match="oppfolging.E010"):
        call_command("check", deploy=True, fail_level="ERROR", stdout=io.StringIO(), stderr=io.StringIO())


def test_it_gives_the_demo_documents_notes_templates_and_a_child_with_a_barnekoordinator(db, document_storage):
    from oppfolging.access.models import Visibility
    from oppfolging.children.models import ChildCoordinatorDecision, ChildView
    from oppfolging.documents.models import Document
    from oppfolging.notes.models import Note
    from oppfolging.plantemplates.models import PlanTemplate

    call_command("demo", skip_risk=True, skip_history=True)
    main = Municipality.objects.order_by("pk").first()
    assert set(PlanTemplate.objects.filter(municipality=main).values_list("name", flat=True)) == {
        "Barn med barnekoordinator", "Eldre som bor hjemme", "Psykisk helse og rus"}
    child_template = PlanTemplate.objects.get(municipality=main, name="Barn med barnekoordinator").current_version
    assert child_template.sections.count() == 5 and child_template.goal_areas.count() == 3
    assert child_template.meeting_interval_weeks == 6 and child_template.suggested_services.exists()
    # Documents on «Min plan»'s person: a signed paper consent linked to its consent, and one for staff only.
    person = User.objects.get(username="demo-person").person_record
    paper = Document.objects.get(person=person, title="Signert samtykke til individuell plan")
    assert paper.consent is not None and paper.consent.person == person
    assert Document.objects.filter(person=person, visibility=Visibility.STAFF).exists()
    keys = list(Document.objects.values_list("storage_key", flat=True))
    assert keys and all((document_storage / key).is_file() for key in keys)
    assert Note.objects.filter(person=person).count() >= 3
    # The child: the unit's decision, the barnekoordinator coordinates the team, child welfare keeps its own.
    decision = ChildCoordinatorDecision.objects.get()
    child = decision.person
    assert child.is_child and decision.coordinator.username == "demo-koordinator"
    assert child.teams.get().current_coordinator_assignment.coordinator == decision.coordinator
    assert ChildView.objects.filter(person=child).exists()
    assert Note.objects.filter(person=child, visibility=Visibility.SERVICES,
                               services__name="Barneverntjenesten").exists()
    assert Document.objects.filter(person=child, visibility=Visibility.SERVICES).exists()
    # The demo keeps its user names: every staff user of the list and the «Min plan» users.
    names = {f"demo-{row[0]}" for row in data.STAFF} | {"demo-person", "demo-parorende"}
    assert names <= set(User.objects.values_list("username", flat=True))
