"""The label of a stored choice, in one look-up.

Django's `get_FOO_display()` makes every choice of the field hashable on each call, and hashing a
lazily translated label translates it: a list of fifty inbox items translated the 27 labels of a
notification's kind fifty times over (docs/performance.md, fifth round). The label is the same.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Choices


def choice_label(choices: type[Choices], value: Any) -> Any:
    """Return the label of `value` among `choices` as `get_FOO_display()` would, or the value itself."""
    member = choices._value2member_map_.get(value)
    return value if member is None else str(cast(Choices, member).label)
