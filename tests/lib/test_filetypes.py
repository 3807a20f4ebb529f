"""lib.filetypes: the type from the content, and names fit to show."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oppfolging.lib import filetypes

LIMITS = filetypes.Limits(max_unpacked=50 * 1024 * 1024, max_ratio=200)


def _zip(parts: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_it_knows_opendocument_by_its_mimetype_part_and_refuses_its_macros():
    text = {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"}
    assert filetypes.detect(_zip(text), LIMITS) == filetypes.ODT
    with pytest.raises(filetypes.Refused) as refused:
        filetypes.detect(_zip(text | {"Basic/Standard/Module1.xml": b"<macro/>"}), LIMITS)
    assert refused.value.code == "macros"


def test_it_refuses_a_macro_enabled_word_file_and_a_plain_zip():
    docm = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\0"}
    with pytest.raises(filetypes.Refused, match="macros"):
        filetypes.detect(_zip(docm), LIMITS)
    with pytest.raises(filetypes.Refused, match="unknown"):
        filetypes.detect(_zip({"bilder/a.txt": b"hei"}), LIMITS)


def test_it_stops_a_zip_that_unpacks_past_the_limit_even_when_its_ratio_is_modest():
    small = filetypes.Limits(max_unpacked=1024 * 1024, max_ratio=10_000)
    word = {"[Content_Types].xml": b"<Types/>", "word/document.xml": bytes(range(256)) * 8192}
    with pytest.raises(filetypes.Refused, match="zip_bomb"):
        filetypes.detect(_zip(word), small)


@given(st.text(max_size=300))
def test_a_safe_name_has_no_path_no_control_characters_and_the_proven_extension(name):
    safe = filetypes.safe_name(name, "pdf")
    assert safe.endswith(".pdf") and len(safe) <= 100
    assert "/" not in safe and "\\" not in safe and all(c.isprintable() for c in safe)
    assert not safe.startswith(".")
