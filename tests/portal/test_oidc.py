from oppfolging.portal.oidc import IdPortenBackend, username_for


def backend():
    return IdPortenBackend.__new__(IdPortenBackend)


def test_it_creates_an_account_for_a_person_in_the_register_and_links_it(cast):
    pid = cast.person.identity_number
    b = backend()
    assert b.verify_claims({"pid": pid})
    assert not b.filter_users_by_claims({"pid": pid}).exists()
    user = b.create_user({"pid": pid})
    assert user.username == username_for(pid) and pid not in user.username
    cast.person.refresh_from_db()
    assert cast.person.user == user
    assert list(b.filter_users_by_claims({"pid": pid})) == [user]
    assert not user.has_usable_password()


def test_it_refuses_citizens_the_register_does_not_know(cast):
    b = backend()
    assert b.create_user({"pid": "01010112345"}) is None
    assert not b.verify_claims({"pid": "123"})


def test_it_links_a_next_of_kin_by_identity_number(cast):
    import datetime as dt

    from oppfolging.lib import identity

    number = identity.make_synthetic(birth_date=dt.date(1980, 3, 3), individual=300)
    cast.next_of_kin.identity_number = number
    cast.next_of_kin.save()
    user = backend().create_user({"pid": number})
    cast.next_of_kin.refresh_from_db()
    assert cast.next_of_kin.user == user
