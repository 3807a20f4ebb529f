"""Zips as uploaded: bombs within the ratio limit, files that are not zips, truncated zips."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from risk_helpers import PATIENTS

from oppfolging.risk.reader import ExtractError, Limits, read_extract


def _bomb(path: Path, megabytes: int) -> Path:
    """Write a zip whose contacts.csv expands to ``megabytes`` MB at a ratio under 200."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("extract.json", json.dumps({"extracted_at": "2025-01-01"}))
        archive.writestr("patients.csv", PATIENTS)
        with archive.open("contacts.csv", "w") as member:
            member.write(b"patient_id,date,kind\n")
            # Random lines in a block longer than deflate's 32 KB window: the ratio stays far
            # under the limit, as a bomb made to pass it would.
            rng = random.Random(1)
            kinds = ("phone", "consultation", "other", "home_visit")
            block = b"".join(
                f"p{rng.randint(1, 2)},2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                f"{rng.choice(kinds)}\n".encode()
                for _ in range(40_000)
            )
            for _ in range(megabytes * 1024 * 1024 // len(block)):
                member.write(block)
    return path


def test_it_refuses_a_zip_that_expands_past_the_cap_while_reading(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.zip", 25)
    info = zipfile.ZipFile(path).getinfo("contacts.csv")
    assert info.file_size / info.compress_size < 200
    with pytest.raises(ExtractError) as caught:
        read_extract(path, limits=Limits(max_bytes=20 * 1024**2))
    [problem] = caught.value.problems
    assert problem.file == "contacts.csv" and "20 MB" in problem.message
    with pytest.raises(ExtractError) as caught:
        read_extract(path, limits=Limits(max_rows=100_000))
    assert "100000 rader" in caught.value.problems[0].message


def test_a_small_zip_bomb_never_makes_the_reader_peak_at_its_expanded_size(
    tmp_path: Path,
) -> None:
    path = _bomb(tmp_path / "bomb.zip", 100)
    child = (
        "import sys, resource\n"
        "from pathlib import Path\n"
        "from oppfolging.risk.reader import ExtractError, Limits, read_extract\n"
        "try:\n"
        "    read_extract(Path(sys.argv[1]), limits=Limits(max_bytes=20 * 1024**2))\n"
        "except ExtractError as e:\n"
        "    print(e.problems[0].file)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]) // 1024)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", child, str(path)], capture_output=True, text=True, check=True
    )
    name, peak_mb = run.stdout.split()
    assert name == "contacts.csv"
    # Read whole, 100 MB of CSV would take at least its own size in memory (and several times
    # that parsed); the reader streams it to disk and stops at the 20 MB cap (measured: 45 MB,
    # the interpreter and its libraries included).
    assert int(peak_mb) < 90, peak_mb


def test_it_names_no_server_path_for_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "secret-server-folder" / "12-uttrekk.zip"
    path.parent.mkdir()
    path.write_bytes(b"this is not a zip at all")
    with pytest.raises(ExtractError) as caught:
        read_extract(path)
    text = str(caught.value)
    assert "secret-server-folder" not in text and str(tmp_path) not in text
    assert caught.value.problems[0].file == "uttrekket"


def test_it_names_no_server_path_for_a_truncated_zip(tmp_path: Path) -> None:
    whole = _bomb(tmp_path / "whole.zip", 2)
    for keep in (len(whole.read_bytes()) // 2, len(whole.read_bytes()) - 30):
        path = tmp_path / "secret-server-folder" / f"cut-{keep}.zip"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(whole.read_bytes()[:keep])
        with pytest.raises(ExtractError) as caught:
            read_extract(path)
        text = str(caught.value)
        assert "secret-server-folder" not in text and str(tmp_path) not in text
        assert "avkortet" in text


def test_it_names_the_member_of_a_zip_whose_data_is_corrupt(tmp_path: Path) -> None:
    whole = _bomb(tmp_path / "whole.zip", 2)
    data = bytearray(whole.read_bytes())
    info = zipfile.ZipFile(whole).getinfo("contacts.csv")
    # Overwrite part of the member's compressed data; the directory at the end stays intact.
    start = info.header_offset + 30 + len(info.filename) + 100
    data[start : start + 2000] = bytes(2000)
    path = tmp_path / "corrupt.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(ExtractError) as caught:
        read_extract(path)
    [problem] = caught.value.problems
    assert problem.file == "contacts.csv" and "skadet" in problem.message
