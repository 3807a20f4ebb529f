"""An upload handler that stops a file over the limit before any byte of it is written.

Put first in `request.upload_handlers` (in a view that is CSRF-exempt and then CSRF-protected,
as Django requires for changing handlers). It looks at the request's declared size first and
then counts the bytes as they stream in; past the limit it stops the upload, Django reads and
discards the rest of the request, and the handlers after it (memory, temporary file) never
receive the file. The view then finds `too_large` set and answers with a message.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# Room for the form's other fields and the multipart boundaries around the file.
ENVELOPE = 64 * 1024


class SizeLimitedUploadHandler(FileUploadHandler):
    """Refuse a request or a file larger than `max_bytes` while it streams in."""

    def __init__(self, request: Any = None, *, max_bytes: int, files: int = 1) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.files = files  # how many files of up to max_bytes the form takes
        self.too_large = False
        self._request_too_large = False

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any,
                         encoding: str | None = None) -> None:
        self._request_too_large = content_length > self.max_bytes * self.files + ENVELOPE
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self._request_too_large or (self.content_length is not None and self.content_length > self.max_bytes):
            self.too_large = True
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
