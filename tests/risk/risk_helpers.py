"""Helpers for the risk engine tests: write small hand-made extracts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

PATIENTS = (
    "patient_id,national_id,birth_date,sex,gp_id\n"
    "p1,01815012345,1950-01-01,F,1234567\n"
    "p2,,1990-06-15,M,1234567\n"
)

WriteExtract = Callable[..., Path]


def write_extract_files(
    folder: Path,
    files: dict[str, str | bytes],
    *,
    extracted_at: str = "2025-01-01",
    with_json: bool = True,
) -> Path:
    """Write an extract folder from file contents (str is written as UTF-8)."""
    folder.mkdir(parents=True, exist_ok=True)
    if with_json:
        (folder / "extract.json").write_text(
            json.dumps({"extracted_at": extracted_at, "source": "test", "gp_office": "test"})
        )
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder
