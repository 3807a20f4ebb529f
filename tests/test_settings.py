"""The settings module refuses dangerous configurations with a clear message."""

import os
import subprocess
import sys


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DEBUG", "OPPFOLGING_TESTING", "OPPFOLGING_DEMO"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "oppfolging", "check"], env=clean, capture_output=True, text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_with_a_secret_key(tmp_path):
    result = run_check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.invalid",
                       DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_synthetic_numbers_in_production(tmp_path):
    result = run_check(DEBUG="0", SECRET_KEY="x" * 50, ALLOW_SYNTHETIC_IDS="1",
                       DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode != 0
    assert "oppfolging.E001" in result.stderr


def test_it_refuses_id_porten_sign_in_without_the_issuer_its_tokens_are_checked_against(tmp_path):
    base = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.invalid",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "OIDC_RP_CLIENT_ID": "min-plan"}
    result = run_check(**base)
    assert result.returncode != 0
    assert "oppfolging.E011" in result.stderr
    result = run_check(**base, OIDC_OP_ISSUER="https://idporten.no")
    assert "oppfolging.E011" not in result.stderr
