"""System checks for where documents are stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_document_storage(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    storage: dict[str, Any] = settings.STORAGES.get("documents", {})
    options = storage.get("OPTIONS", {})
    if settings.DOCUMENT_STORAGE == "s3" and not options.get("bucket_name"):
        problems.append(Error("DOCUMENT_STORAGE is s3 but DOCUMENT_S3_BUCKET is not set.",
                              hint="Name the bucket documents are kept in (docs/configuration.md).",
                              id="oppfolging.E101"))
    if settings.DOCUMENT_STORAGE == "filesystem":
        root = Path(options.get("location", "")).resolve()
        for name in ("STATIC_ROOT", "MEDIA_ROOT"):
            served = Path(getattr(settings, name)).resolve()
            if root == served or served in root.parents:
                problems.append(Error(f"DOCUMENT_ROOT lies inside {name}, where files may be served.",
                                      hint="Keep documents outside every folder a web server serves.",
                                      id="oppfolging.E102"))
    return problems
