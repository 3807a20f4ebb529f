"""A keyed hash chain over the access log, so a changed or removed entry is detectable.

Each entry stores the hash of the previous entry in its chain (`prev_hash`) and an HMAC-SHA256
over that hash and its own content (`entry_hash`). There is one chain per municipality (and
one for entries without a municipality), so writers in different municipalities never wait
for each other. On PostgreSQL a transaction-scoped advisory lock per chain makes two writers
in one municipality take turns: the second reads the first's hash after it commits. SQLite
takes its write lock when a transaction begins, which serialises writers anyway.

The key (AUDIT_CHAIN_KEY, by default SECRET_KEY) lives with the application, not in the
database, so even the table's owner cannot rewrite an entry and recompute the chain after it.
Removing the newest entries of a chain leaves a shorter valid chain: `oppfolging audit_verify`
prints each chain's head, to be recorded outside the database (see docs/access.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections

# pg_advisory_xact_lock(int, int): the first number names the lock space ("AUDIT" in hex-ish),
# the second is the chain (municipality id, 0 for none).
LOCK_SPACE = 0x0A0D17
CONTENT_FIELDS = ("actor_id", "actor_name", "actor_role", "actor_unit", "municipality_id", "person_id",
                  "resource", "resource_id", "action", "purpose", "break_glass", "ip", "client")


def _key() -> bytes:
    return (getattr(settings, "AUDIT_CHAIN_KEY", "") or settings.SECRET_KEY).encode()


def chain_of(event: Any) -> int:
    """Return the chain an entry belongs to: its municipality's id, or 0."""
    return event.municipality_id or 0


def content(event: Any) -> bytes:
    """Return the entry's content in one canonical form (as the database gives it back)."""
    at = event.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    values = [at, *(getattr(event, name) for name in CONTENT_FIELDS)]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(prev_hash: str, event: Any) -> str:
    """Return the HMAC of the previous entry's hash and this entry's content."""
    return hmac.new(_key(), prev_hash.encode() + b"\n" + content(event), hashlib.sha256).hexdigest()


def seal(event: Any, *, using: str) -> None:
    """Link a new entry to the newest entry of its chain; call inside the inserting transaction."""
    table = event._meta.db_table
    with connections[using].cursor() as cursor:
        if cursor.db.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, chain_of(event)])
        if event.municipality_id is None:
            cursor.execute(f"SELECT entry_hash FROM {table} WHERE municipality_id IS NULL ORDER BY id DESC LIMIT 1")
        else:
            cursor.execute(f"SELECT entry_hash FROM {table} WHERE municipality_id = %s ORDER BY id DESC LIMIT 1",
                           [event.municipality_id])
        newest = cursor.fetchone()
    event.prev_hash = newest[0] if newest else ""
    event.entry_hash = entry_hash(event.prev_hash, event)


@dataclass
class Verification:
    """What `verify` found: entries checked, each chain's length and head, and every break."""

    checked: int = 0
    chains: dict[int, tuple[int, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def verify(events: Iterable[Any]) -> Verification:
    """Walk entries in id order and report every entry whose link or content does not hold."""
    result = Verification()
    for event in events:
        chain = chain_of(event)
        length, head = result.chains.get(chain, (0, ""))
        if event.prev_hash != head:
            result.problems.append(
                f"entry {event.pk} (chain {chain}): does not follow the entry before it in its chain; "
                f"an entry was removed, inserted or reordered here"
            )
        if not hmac.compare_digest(event.entry_hash, entry_hash(event.prev_hash, event)):
            result.problems.append(f"entry {event.pk} (chain {chain}): its content does not match its hash; "
                                   f"it was changed after it was written")
        result.chains[chain] = (length + 1, event.entry_hash)
        result.checked += 1
    return result
