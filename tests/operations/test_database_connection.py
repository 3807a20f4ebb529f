"""Losing the database connection: the next request does not fail, nor does one cut off mid-way.

PostgreSQL only: the connection is cut with pg_terminate_backend, as a database restart,
failover or an idle timeout in a firewall would.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from oppfolging.accounts import services as account_services

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("worker-processes"),
]

CUT_OTHERS = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn():
    """The production web server with its config, one worker, on the test database."""
    port = free_port()
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"OPPFOLGING_TESTING", "PYTEST_XDIST_WORKER"}}
    env.update(DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}", DEBUG="1",
               GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", LOG_FORMAT="json")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:oppfolging.operations.gunicorn_conf", "oppfolging.wsgi"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/helse/live", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError(server.communicate()[0]) from None
            time.sleep(0.2)
    yield base, server
    server.terminate()
    server.communicate(timeout=30)


def test_it_answers_the_first_request_after_the_database_dropped_the_connection(cast, gunicorn):
    base, server = gunicorn
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(base + "/logg-inn/").read().decode()
    try:
        browser.open(base + "/helse/klar")  # asks the database: the web worker now holds a connection
    except urllib.error.HTTPError:
        pass  # no worker in this test: "not ready", but the database was asked
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    with connection.cursor() as cursor:
        cursor.execute(CUT_OTHERS)
        assert cursor.fetchall(), "the web worker had no connection to cut"
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "ke-skrevet-for-hånd",
                                   "password": "feil passord her"}).encode()
    try:
        response = browser.open(urllib.request.Request(base + "/logg-inn/", data=form,
                                                       headers={"Referer": base + "/logg-inn/"}))
    except urllib.error.HTTPError as error:
        server.terminate()
        raise AssertionError(f"{error.code} after the connection was cut:\n{server.communicate()[0]}") from None
    html = response.read().decode()
    assert response.status == 200
    assert "Feil brukernavn eller passord" in html
    assert 'value="ke-skrevet-for-hånd"' in html  # what was typed is still in the form


def test_it_answers_503_with_a_plain_explanation_when_the_connection_is_cut_mid_request(cast, monkeypatch):
    real = account_services.sign_in_attempt_reserve

    def cut_own_connection_then_check(**kwargs):
        monkeypatch.setattr(account_services, "sign_in_attempt_reserve", real)  # only this once
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(**kwargs)

    monkeypatch.setattr(account_services, "sign_in_attempt_reserve", cut_own_connection_then_check)
    client = Client(raise_request_exception=False)
    response = client.post(reverse("accounts:login"), {"username": "ke", "password": "feil"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Vi mistet kontakten med databasen et øyeblikk" in html
    assert "det du skrev står der fortsatt" in html
    # The broken connection was let go: the next request gets a fresh one.
    response = client.post(reverse("accounts:login"), {"username": "ke", "password": "feil"})
    assert response.status_code == 200 and "Feil brukernavn eller passord" in response.content.decode()
