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
