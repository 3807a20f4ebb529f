import datetime as dt

from oppfolging.lib import identity
from oppfolging.portal.models import CitizenAccount
from oppfolging.portal.oidc import IdPortenBackend, username_for

HIGH = "idporten-loa-high"


def backend():
    return IdPortenBackend.__new__(IdPortenBackend)


def test_it_creates_an_account_for_a_person_in_the_register_and_binds_it(cast):
    pid = cast.person.identity_number
    b = backend()
    assert b.verify_claims({"pid": pid, "acr": HIGH})
    assert not b.filter_users_by_claims({"pid": pid}).exists()
    user = b.create_user({"pid": pid, "acr": HIGH})
    assert user.username == username_for(pid) and pid not in user.username
    assert CitizenAccount.objects.get(user=user).identity_number == pid
    cast.person.refresh_from_db()
    assert cast.person.user == user
    assert list(b.filter_users_by_claims({"pid": pid})) == [user]
    assert not user.has_usable_password()


def test_it_refuses_citizens_the_register_does_not_know(cast):
    b = backend()
    assert b.create_user({"pid": "01010112345"}) is None
    assert not b.verify_claims({"pid": "123", "acr": HIGH})


def test_it_refuses_a_level_below_the_one_required(cast, settings):
    b = backend()
    pid = cast.person.identity_number
    settings.OIDC_ACR_VALUES = HIGH
    assert not b.verify_claims({"pid": pid, "acr": "idporten-loa-substantial"})
    assert not b.verify_claims({"pid": pid, "acr": "Level4"})  # the retired names are not accepted
    settings.OIDC_ACR_VALUES = "idporten-loa-substantial"
    assert b.verify_claims({"pid": pid, "acr": "idporten-loa-substantial"})
    assert b.verify_claims({"pid": pid, "acr": HIGH})


def test_it_links_a_next_of_kin_by_identity_number(cast):
    number = identity.make_synthetic(birth_date=dt.date(1980, 3, 3), individual=300)
    cast.next_of_kin.identity_number = number
    cast.next_of_kin.save()
    user = backend().create_user({"pid": number})
    cast.next_of_kin.refresh_from_db()
    assert cast.next_of_kin.user == user


def test_it_signs_in_the_bound_account_only_while_the_register_knows_the_number(cast):
    b = backend()
    pid = cast.person.identity_number
    user = b.create_user({"pid": pid})
    assert b.update_user(user, {"pid": pid}) == user
    cast.person.identity_number = identity.make_synthetic(birth_date=cast.person.birth_date, individual=460)
    cast.person.save()
    assert b.update_user(user, {"pid": pid}) is None


def test_the_migration_binds_older_accounts_and_drops_links_it_cannot_bind(cast):
    """An account made before the binding keeps its own record; a link left by a corrected
    number (the review's mistyped guardian) is dropped instead of being trusted."""
    import importlib

    from django.apps import apps

    from oppfolging.access import policy
    from oppfolging.accounts.models import User

    migration = importlib.import_module("oppfolging.portal.migrations.0004_citizen_account")
    pid = cast.person.identity_number
    own = User.objects.create(username=username_for(pid))
    cast.person.user = own
    cast.person.save()
    mistyped = identity.make_synthetic(birth_date=dt.date(1981, 5, 5), individual=470)
    stale = User.objects.create(username=username_for(mistyped))
    cast.next_of_kin.identity_number = identity.make_synthetic(birth_date=dt.date(1982, 6, 6), individual=480)
    cast.next_of_kin.has_parental_responsibility = True
    cast.next_of_kin.is_guardian = True
    cast.next_of_kin.user = stale
    cast.next_of_kin.save()

    migration.bind_existing_accounts(apps, None)

    assert CitizenAccount.objects.get(user=own).identity_number == pid
    assert not CitizenAccount.objects.filter(user=stale).exists()
    cast.next_of_kin.refresh_from_db()
    cast.person.refresh_from_db()
    assert cast.next_of_kin.user is None and cast.person.user == own
    assert policy.portal_grants(user=stale) == []
    assert [g.person for g in policy.portal_grants(user=own)] == [cast.person]
