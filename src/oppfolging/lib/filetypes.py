"""Tell what a file is from its content, never from its name or the browser's word for it.

Accepts PDF, JPEG and PNG images, and office documents (Word, Excel and PowerPoint in their XML
formats, and OpenDocument). Everything else is refused with a code the caller turns into a
message: an HTML page renamed .pdf, an executable, an old binary Office file (which can carry
macros unseen), a macro-enabled document, an encrypted or broken file, and a zip bomb (an
office document is a zip: its parts are unpacked in a bounded stream, so a file that claims
small sizes but unpacks to gigabytes is stopped at the limit).
"""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from typing import IO

from PIL import Image


@dataclass(frozen=True)
class FileType:
    kind: str
    mime: str
    extension: str


PDF = FileType("pdf", "application/pdf", "pdf")
JPEG = FileType("jpeg", "image/jpeg", "jpg")
PNG = FileType("png", "image/png", "png")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
ODT = FileType("odt", "application/vnd.oasis.opendocument.text", "odt")
ODS = FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", "ods")
ODP = FileType("odp", "application/vnd.oasis.opendocument.presentation", "odp")
ACCEPTED = (PDF, JPEG, PNG, DOCX, XLSX, PPTX, ODT, ODS, ODP)

OOXML_MAIN_PART = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
ODF_MIMETYPES = {t.mime: t for t in (ODT, ODS, ODP)}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ZIP_ENTRIES = 5000
CHUNK = 1 << 16


class Refused(Exception):
    """The file is not accepted. `code` says why (the caller words it for the user).

    Codes: empty, html, executable, legacy_office, macros, encrypted, zip_bomb, corrupt, image_too_large,
    unknown.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Limits:
    max_unpacked: int  # bytes an office document may unpack to, in total
    max_ratio: int  # largest compression ratio of one part above 1 MB
    max_pixels: int = 80_000_000


def detect(stream: IO[bytes], limits: Limits) -> FileType:
    """Return the type of the file in `stream`, or raise Refused.

    Parameters
    ----------
    stream : a seekable binary file, read from the start.
    limits : the bounds a zip (office document) and an image must keep.

    Returns
    -------
    FileType of an accepted kind.
    """
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if not head:
        raise Refused("empty")
    if head.startswith(b"%PDF-"):
        return _pdf(stream)
    if head.startswith(b"\xff\xd8\xff"):
        return _image(stream, "JPEG", JPEG, limits)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _image(stream, "PNG", PNG, limits)
    if head.startswith(b"PK\x03\x04"):
        return _zip(stream, limits)
    if head.startswith(OLE2_MAGIC):
        raise Refused("legacy_office")
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")):
        raise Refused("executable")
    if _looks_like_markup(head):
        raise Refused("html")
    raise Refused("unknown")


def _looks_like_markup(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype", b"<html", b"<script", b"<?xml", b"<svg", b"<head", b"<body")) or (
        b"<html" in text or b"<script" in text)


def _pdf(stream: IO[bytes]) -> FileType:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - 2048))
    tail = stream.read()
    stream.seek(0)
    if b"%%EOF" not in tail:
        raise Refused("corrupt")
    return PDF


def _image(stream: IO[bytes], expected: str, file_type: FileType, limits: Limits) -> FileType:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.format != expected:
                    raise Refused("corrupt")
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise Refused("image_too_large")
                image.verify()
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("image_too_large") from None
    except Exception:  # noqa: BLE001 (any decoding failure means a broken or disguised image)
        raise Refused("corrupt") from None
    finally:
        stream.seek(0)
    return file_type


def _zip(stream: IO[bytes], limits: Limits) -> FileType:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refused("corrupt") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise Refused("zip_bomb")
        if any(info.flag_bits & 0x1 for info in entries):
            raise Refused("encrypted")
        names = {info.filename for info in entries}
        file_type = _office_type(archive, names)
        if sum(info.file_size for info in entries) > limits.max_unpacked:
            raise Refused("zip_bomb")
        for info in entries:
            if info.file_size > 1_000_000 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise Refused("zip_bomb")
        _unpack_bounded(archive, entries, limits)
    stream.seek(0)
    return file_type


def _office_type(archive: zipfile.ZipFile, names: set[str]) -> FileType:
    lowered = {name.lower() for name in names}
    if "[content_types].xml" in lowered:
        if any(name.endswith("vbaproject.bin") for name in lowered):
            raise Refused("macros")
        for part, file_type in OOXML_MAIN_PART.items():
            if part in names:
                return file_type
        raise Refused("unknown")
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100].decode("ascii").strip()
        except (UnicodeDecodeError, zipfile.BadZipFile, RuntimeError, OSError):
            raise Refused("corrupt") from None
        odf = ODF_MIMETYPES.get(mimetype)
        if odf is None:
            raise Refused("unknown")
        if any(name.startswith(("basic/", "scripts/")) for name in lowered):
            raise Refused("macros")
        return odf
    raise Refused("unknown")


def _unpack_bounded(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Unpack every part without keeping it, stopping as soon as the total passes the limit."""
    total = 0
    try:
        for info in entries:
            with archive.open(info) as part:
                while chunk := part.read(CHUNK):
                    total += len(chunk)
                    if total > limits.max_unpacked:
                        raise Refused("zip_bomb")
    except Refused:
        raise
    # zipfile raises NotImplementedError for a compression method it cannot read, RuntimeError
    # for an encrypted member: both are files we refuse, not faults of ours.
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        raise Refused("corrupt") from None


def safe_name(name: str, extension: str, *, fallback: str = "dokument", max_length: int = 100) -> str:
    """Return a file name fit to show and to offer on download: no path, no control characters,
    only letters, digits, spaces and . - _ ( ), ending in the extension the content proved."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name.lstrip(".")
    cleaned = "".join(c if (c.isalnum() or c in " -_().") else "_" for c in stem if c.isprintable())
    cleaned = " ".join(cleaned.split()).strip(" ._") or fallback
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    return f"{cleaned[: max_length - len(extension) - 1]}.{extension}"
