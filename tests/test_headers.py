"""Security headers: a Content-Security-Policy that allows no inline script, no-store on
everything with personal data, and HTTPS behind a TLS proxy."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from .test_cross_municipality import fill, ids, project_patterns  # noqa: F401 - ids is a fixture


class InlineCode(HTMLParser):
    """Collect what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        # A JSON data block (json_script) is never run; the policy need not allow it.
        if tag == "script" and "src" not in names and dict(attrs).get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{name}= on <{tag}>" for name in names if name.startswith("on") or name == "style"]
        self.found += [f"javascript: URL on <{tag}>" for name, value in attrs
                       if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:")]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_it_sends_a_policy_without_inline_script_and_no_store_on_every_page(cast, ids, document_storage):  # noqa: F811
    (document_storage / "9801").mkdir()
    (document_storage / "9801" / "a.pdf").write_bytes(b"%PDF-1.4")
    ids = {**ids, "code": "TESTKODE"}  # the public form's receipt
    pages = 0
    # The coordinating unit reaches nearly every page of a person; the GP, the administrator
    # and an anonymous visitor the rest.
    for user in (cast.cu, cast.gp, cast.admin, None):
        client = cast.client_for(user) if user else Client()
        for name, _pattern, route in project_patterns():
            if name in ("accounts:logout", "accounts:demo_sign_in", "set_language"):
                continue
            response = client.get(fill(route, ids))
            where = f"{fill(route, ids)} ({name}) as {user or 'anonymous'}"
            policy = response["Content-Security-Policy"]
            # Files under the person carry a stricter policy of their own (documents/views.py).
            assert "unsafe" not in policy, where
            assert "script-src 'self'" in policy or policy.startswith("default-src 'none'"), where
            assert "no-store" in response["Cache-Control"], where
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                content = b"".join(response.streaming_content) if response.streaming else response.content
                assert inline_code(content.decode()) == [], where
                pages += 1
    assert pages >= 80


def test_it_finds_inline_code():
    assert inline_code('<p><button onclick="x()">Skriv ut</button><script>y()</script></p>') == [
        "onclick= on <button>", "<script> without src"]
    assert inline_code('<div style="color:red"><a href="javascript:z()">z</a></div>') == [
        "style= on <div>", "javascript: URL on <a>"]


def test_it_keeps_static_files_cacheable(cast, client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")


def test_it_builds_https_urls_behind_a_tls_proxy(cast, client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["oppfolging.example.invalid"]
    settings.HELSEID_ENABLED = True
    response = client.get(reverse("accounts:helseid_start"), headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "oppfolging.example.invalid"})
    assert "redirect_uri=https%3A%2F%2Foppfolging.example.invalid%2F" in response["Location"]


def run_settings(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "USE_X_"))}
    clean.update(env, DEBUG="1")
    return subprocess.run([sys.executable, "-c", "import django, os;"
                           "os.environ['DJANGO_SETTINGS_MODULE']='oppfolging.settings';"
                           "from django.conf import settings;" + code],
                          env=clean, capture_output=True, text=True, timeout=60, check=True).stdout


def test_it_reads_https_settings_from_the_environment():
    code = ("print(settings.SECURE_PROXY_SSL_HEADER, settings.USE_X_FORWARDED_HOST, settings.SECURE_SSL_REDIRECT,"
            " settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)")
    assert run_settings(code).split() == ["None", "False", "False", "0", "False", "False"]
    assert run_settings(code, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", USE_X_FORWARDED_HOST="1",
                        SECURE_SSL_REDIRECT="1", SECURE_HSTS_SECONDS="31536000",
                        SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1").split() == [
        "('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "True", "31536000", "True", "True"]


def test_it_redirects_to_https_and_sends_hsts_when_configured(cast, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")
    response = client.get(reverse("accounts:login"), headers={"X-Forwarded-Proto": "https"})
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    # The platform's health check asks over plain HTTP inside the cluster.
    assert client.get(reverse("operations:live")).status_code == 200
