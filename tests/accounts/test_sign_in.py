import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from oppfolging.accounts.models import SignInThrottle, User

PASSWORD = "correct-horse-battery"  # the cast's password (tests/conftest.py)


def sign_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_it_signs_in_with_the_right_password(cast, client):
    response = sign_in(client, "ke", PASSWORD)
    assert response["Location"] == reverse("home:start")


def test_it_hashes_passwords_with_argon2_in_production():
    from oppfolging import settings as project_settings

    source = open(project_settings.__file__).read()
    assert '"django.contrib.auth.hashers.Argon2PasswordHasher",' in source


def sign_in_from(address, username, password):
    client = Client(REMOTE_ADDR=address)
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_it_makes_the_next_try_wait_after_repeated_failures_and_checks_no_password_meanwhile(
        cast, settings, monkeypatch):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert "Feil brukernavn eller passord" in sign_in_from("192.0.2.1", "ke", "wrong").content.decode()
    checks = []
    real = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, raw: checks.append(raw) or real(self, raw))
    response = sign_in_from("192.0.2.1", "ke", PASSWORD)
    assert response.status_code == 200
    assert "For mange feil forsøk. Vent 2 sekunder og prøv igjen." in response.content.decode()
    assert checks == []  # the right password was not even checked while the back-off runs


def test_it_doubles_the_wait_with_each_failure_up_to_the_cap(cast, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_BACKOFF_BASE_SECONDS = 10
    settings.LOGIN_BACKOFF_MAX_SECONDS = 35
    waits = []
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(5):
            sign_in_from("192.0.2.1", "ke", "wrong")
            html = sign_in_from("192.0.2.1", "ke", "wrong").content.decode()
            waits.append(html.count("For mange feil forsøk"))
            clock.shift(60)
    # Two free failures, then 10 s, 20 s, 35 s (capped): each minute allows one guess again.
    row = SignInThrottle.objects.get(key__startswith="pair:")
    assert row.failures == 6 and waits == [0, 1, 1, 1, 1]
    with time_machine.travel(row.last_failure_at + dt.timedelta(seconds=34), tick=False):
        assert "Vent 1 sekund og" in sign_in_from("192.0.2.1", "ke", PASSWORD).content.decode()
    with time_machine.travel(row.last_failure_at + dt.timedelta(seconds=35), tick=False):
        assert sign_in_from("192.0.2.1", "ke", PASSWORD)["Location"] == reverse("home:start")


def test_it_lets_the_owner_sign_in_while_a_stranger_guesses_from_elsewhere(cast, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(10):
        sign_in_from("198.51.100.7", "ke", "wrong")
    assert "For mange feil forsøk" in sign_in_from("198.51.100.7", "ke", PASSWORD).content.decode()
    # The stranger's guesses slow the stranger down, not the owner at her own address.
    assert sign_in_from("192.0.2.1", "ke", PASSWORD)["Location"] == reverse("home:start")


def test_it_slows_one_address_guessing_at_many_accounts(cast, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    for username in ["ke", "lege", "kollega", "leder"]:
        sign_in_from("198.51.100.7", username, "wrong")
    assert "For mange feil forsøk" in sign_in_from("198.51.100.7", "admin", "wrong").content.decode()
    assert "Feil brukernavn" in sign_in_from("192.0.2.1", "admin", "wrong").content.decode()


def test_it_slows_guessing_at_one_account_spread_over_many_addresses(cast, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 4
    for n in range(4):
        sign_in_from(f"198.51.100.{n}", "ke", "wrong")
    assert "For mange feil forsøk" in sign_in_from("198.51.100.99", "ke", "wrong").content.decode()


def test_it_forgets_the_accounts_failures_after_a_successful_sign_in(cast, client):
    sign_in(client, "ke", "wrong")
    sign_in(client, "ke", PASSWORD)
    assert list(SignInThrottle.objects.values_list("key", "failures")) == [
        (key, 1) for key in SignInThrottle.objects.filter(key__startswith="address:").values_list("key", flat=True)
    ]  # only the address keeps the one wrong guess


def test_it_stores_neither_user_names_nor_addresses(cast):
    sign_in_from("192.0.2.1", "ke", "wrong")
    keys = " ".join(SignInThrottle.objects.values_list("key", flat=True))
    assert "ke" not in keys.replace("key", "") and "192.0.2.1" not in keys


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the in-memory SQLite test database refuses a second writer instead of waiting")
@pytest.mark.django_db(transaction=True)
def test_it_checks_no_more_passwords_than_the_limit_for_30_parallel_guesses(cast, settings, monkeypatch):
    settings.LOGIN_BACKOFF_BASE_SECONDS = 600  # no guess is let through again during the test
    checks = []
    real = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, raw: checks.append(raw) or real(self, raw))
    start = threading.Barrier(30, timeout=30)
    answers: list[int] = []

    def guess(n: int) -> None:
        try:
            start.wait()
            answers.append(sign_in_from("198.51.100.7", "ke", f"guess {n}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [200] * 30
    assert (len(checks), SignInThrottle.objects.get(key__startswith="pair:").failures) == (
        settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT)


@override_settings(DEMO_MODE=False)
def test_it_lists_no_demo_users_outside_the_demo(cast, client):
    cast.cu.username = "demo-ke"
    cast.cu.save()
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Demobrukere" not in html
    response = client.post(reverse("accounts:demo_sign_in", args=["demo-ke"]))
    assert response.status_code == 404


@override_settings(DEMO_MODE=True)
def test_it_lists_demo_users_and_signs_in_with_one_click_in_the_demo(cast, client):
    cast.cu.username = "demo-ke"
    cast.cu.save()
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Demobrukere" in html and "Logg inn som Kari Koordinerende" in html
    response = client.post(reverse("accounts:demo_sign_in", args=["demo-ke"]))
    assert response["Location"] == reverse("home:start")
    # Only demo users can be signed in this way, even in the demo.
    assert client.post(reverse("accounts:demo_sign_in", args=["lege"])).status_code == 404


@pytest.mark.parametrize("method", ["get"])
def test_it_keeps_sign_out_a_post(cast, client, method):
    client.force_login(cast.cu)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_sign_out_tells_the_browser_to_forget_drafts_even_without_scripts(cast, client):
    """Drafts live in the browser's storage: sign-out clears it for the next user (#12.10)."""
    client.force_login(cast.cu)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"storage"'
    assert "_auth_user_id" not in client.session
