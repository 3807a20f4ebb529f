"""SMART on FHIR scopes: `user/CarePlan.read`, `system/Task.write`, `system/*.read`, …

Version 1 suffixes (`read`, `write`, `*`) and version 2 letters (`r`, `s`, `c`, `u`, `d`, e.g.
`system/Task.rs`) are both understood; anything else in the scope claim (`openid`, HelseID's own
scopes) is ignored. A token may only do what one of its scopes allows *and* what the client's
entry in the registry allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

READ = "read"
WRITE = "write"

_SCOPE = re.compile(r"^(user|system|patient)/([A-Za-z]+|\*)\.(read|write|\*|[cruds]+)$")


@dataclass(frozen=True)
class Scope:
    context: str  # user | system | patient
    resource_type: str  # a FHIR type or "*"
    read: bool
    write: bool

    def allows(self, context: str, resource_type: str, action: str) -> bool:
        if self.context != context or self.resource_type not in ("*", resource_type):
            return False
        return self.read if action == READ else self.write


def parse_one(text: str) -> Scope | None:
    """Return the SMART scope a string names, or None when it is not one."""
    m = _SCOPE.match(text.strip())
    if not m:
        return None
    context, resource_type, access = m.groups()
    if access in (READ, WRITE, "*"):
        read, write = access in (READ, "*"), access in (WRITE, "*")
    else:
        read, write = bool(set(access) & set("rs")), bool(set(access) & set("cud"))
    return Scope(context, resource_type, read, write)


def parse(value: str | Iterable[str] | None) -> Scopes:
    """Read a scope claim: a space-separated string (OAuth) or a list (HelseID)."""
    if value is None:
        return Scopes(())
    items = value.split() if isinstance(value, str) else [str(v) for v in value]
    return Scopes(tuple(s for s in (parse_one(i) for i in items) if s is not None))


@dataclass(frozen=True)
class Scopes:
    items: tuple[Scope, ...]

    def allows(self, context: str, resource_type: str, action: str) -> bool:
        return any(s.allows(context, resource_type, action) for s in self.items)

    def any_write(self, context: str) -> bool:
        return any(s.context == context and s.write for s in self.items)
