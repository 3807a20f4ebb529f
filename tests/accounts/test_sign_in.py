import pytest
from django.test import override_settings
from django.urls import reverse

from oppfolging.accounts.models import LoginFailure

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


def test_it_locks_the_account_after_repeated_failures(cast, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert "Feil brukernavn eller passord" in sign_in(client, "ke", "wrong").content.decode()
    response = sign_in(client, "ke", PASSWORD)
    assert response.status_code == 200
    assert "For mange feil forsøk" in response.content.decode()
    assert LoginFailure.objects.filter(username="ke").count() == 3


def test_it_forgets_failures_after_a_successful_sign_in(cast, client):
    sign_in(client, "ke", "wrong")
    sign_in(client, "ke", PASSWORD)
    assert not LoginFailure.objects.filter(username="ke").exists()


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
