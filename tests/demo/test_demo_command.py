from django.core.management import call_command

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.catalogue.models import Service
from oppfolging.lib import identity
from oppfolging.people.models import Person, RelatedPerson


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
