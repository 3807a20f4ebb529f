"""Files for the upload tests, made in memory: real ones, and ones that only pretend."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

from oppfolging.demo.plantools import demo_pdf


def pdf(text: str = "Rapport fra fysioterapeuten") -> bytes:
    return demo_pdf(text)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def docx(document_xml: bytes = b"<w:document/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def zip_bomb_docx(megabytes: int = 40) -> bytes:
    """A .docx whose one part is megabytes of zeros: a tiny file that unpacks enormously."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(megabytes):
                part.write(block)
    return buffer.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"


def padded_pdf(size: int) -> bytes:
    """A PDF made `size` bytes larger by a comment line after its header."""
    body = pdf()
    return body[:9] + b"%" + b"x" * size + b"\n" + body[9:]
