"""Benchmark the content check of uploaded documents (lib.filetypes) on the files it must refuse fast.

What a worker spends on one upload before anything is stored: a PDF at the size limit, a real
office document, a zip bomb that declares its sizes (refused on the ratio, before unpacking),
and one whose parts unpack to more than the limit at a modest ratio (stopped by the bounded
stream). Prints the median of several runs for each.

    .venv/bin/python bench/filetypes.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from oppfolging.lib import filetypes  # noqa: E402

MB = 1024 * 1024
LIMITS = filetypes.Limits(max_unpacked=200 * MB, max_ratio=500)  # the settings' defaults


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _words(size: int) -> bytes:
    """Office-like XML: varied words in repeated markup (compresses about like a real document)."""
    words = [os.urandom(3).hex().encode() for _ in range(5000)]
    out = bytearray()
    i = 0
    while len(out) < size:
        out += b"<w:r><w:t>" + words[i % 5000] + b" " + words[(i * 7) % 5000] + b"</w:t></w:r>"
        i += 1
    return bytes(out)


def cases() -> dict[str, bytes]:
    return {
        "PDF at the 20 MB limit": b"%PDF-1.4\n%" + os.urandom(20 * MB - 64) + b"\n%%EOF\n",
        "docx, 30 MB of text unpacked": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": _words(30 * MB)}),
        "zip bomb, 300 MB of zeros": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (300 * MB)}),
        "docx unpacking to 250 MB": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": _words(250 * MB)}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name, data in cases().items():
        times, outcome = [], ""
        for _ in range(args.repeat):
            start = time.perf_counter()
            try:
                outcome = filetypes.detect(io.BytesIO(data), LIMITS).kind
            except filetypes.Refused as refused:
                outcome = f"refused: {refused.code}"
            times.append(time.perf_counter() - start)
        print(f"{name:32} {len(data) / MB:7.1f} MB uploaded  {statistics.median(times) * 1000:9.2f} ms  {outcome}")


if __name__ == "__main__":
    main()
