"""Fixtures for the risk engine tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Tests folders have no __init__.py; make the sibling helper module importable here too.
sys.path.insert(0, str(Path(__file__).parent))

from risk_helpers import PATIENTS, WriteExtract, write_extract_files  # noqa: E402


@pytest.fixture
def write_extract(tmp_path: Path) -> WriteExtract:
    """Return a function writing an extract under tmp_path; patients.csv defaults to PATIENTS."""
    counter = iter(range(1000))

    def write(files: dict[str, str | bytes] | None = None, **kwargs: object) -> Path:
        files = dict(files or {})
        files.setdefault("patients.csv", PATIENTS)
        return write_extract_files(tmp_path / f"extract{next(counter)}", files, **kwargs)

    return write
