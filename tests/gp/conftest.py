import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from oppfolging.risk.simulate import simulate


@pytest.fixture(scope="session")
def simulated(tmp_path_factory) -> Path:
    """A small simulated GP list: two extracts a year apart."""
    out = tmp_path_factory.mktemp("simulated")
    simulate(400, 7, out)
    return out


def zipped(folder: Path, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def extract_zip(simulated):
    return zipped(simulated / "t1", "uttrekk.zip")


@pytest.fixture
def previous_zip(simulated):
    return zipped(simulated / "t0", "forrige.zip")


@pytest.fixture
def broken_zip(tmp_path, simulated):
    folder = tmp_path / "broken"
    shutil.copytree(simulated / "t1", folder)
    text = (folder / "patients.csv").read_text()
    lines = text.splitlines()
    lines[3] = lines[3].replace(",F,", ",X,").replace(",M,", ",X,")
    (folder / "patients.csv").write_text("\n".join(lines) + "\n")
    return zipped(folder, "feil.zip")


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
