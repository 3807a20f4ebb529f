"""Where documents are kept: chosen entirely by settings, S3 without any network at start."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = (
    "import django; django.setup();"
    "from django.core.files.storage import storages;"
    "s = storages['documents'];"
    "print(type(s).__module__, type(s).__name__, getattr(s, 'bucket_name', ''), getattr(s, 'endpoint_url', ''),"
    " getattr(s, 'default_acl', ''), getattr(s, 'file_overwrite', ''), getattr(s, 'location', ''))"
)


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOCUMENT_")}
    clean.update({"DJANGO_SETTINGS_MODULE": "oppfolging.settings", "DEBUG": "1"}, **env)
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=120)


def test_it_selects_s3_compatible_object_storage_from_the_environment_without_the_network():
    result = run(PROBE, DOCUMENT_STORAGE="s3", DOCUMENT_S3_BUCKET="oppfolging-dokumenter",
                 DOCUMENT_S3_ENDPOINT_URL="https://objects.example.invalid", DOCUMENT_S3_REGION="no-oslo-1",
                 DOCUMENT_S3_ACCESS_KEY_ID="id", DOCUMENT_S3_SECRET_ACCESS_KEY="secret",
                 AWS_EC2_METADATA_DISABLED="true", HTTPS_PROXY="http://127.0.0.1:9")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["storages.backends.s3", "S3Storage", "oppfolging-dokumenter",
                                     "https://objects.example.invalid", "private", "False", "documents"]


def test_it_uses_the_file_system_outside_the_web_root_by_default(tmp_path):
    result = run(PROBE, DOCUMENT_ROOT=str(tmp_path / "dokumenter"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["django.core.files.storage.filesystem", "FileSystemStorage"]
    assert result.stdout.split()[-1] == str(tmp_path / "dokumenter")


def test_it_refuses_an_unknown_storage_and_s3_without_a_bucket():
    assert "DOCUMENT_STORAGE must be" in run(PROBE, DOCUMENT_STORAGE="ftp").stderr
    check = run("import sys; from oppfolging.__main__ import main; sys.argv=['oppfolging', 'check']; main()",
                DOCUMENT_STORAGE="s3")
    assert check.returncode != 0 and "oppfolging.E101" in check.stderr


def test_it_refuses_a_document_root_inside_a_folder_the_web_server_serves(settings, tmp_path):
    from oppfolging.documents.checks import check_document_storage

    settings.DOCUMENT_STORAGE = "filesystem"
    settings.STATIC_ROOT, settings.MEDIA_ROOT = tmp_path / "static", tmp_path / "media"
    for root, expected in ((tmp_path / "media" / "dokumenter", ["oppfolging.E102"]), (tmp_path / "static", ["oppfolging.E102"]),
                           (tmp_path / "dokumenter", [])):
        settings.STORAGES = {**settings.STORAGES, "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
        assert [e.id for e in check_document_storage(None)] == expected, root
