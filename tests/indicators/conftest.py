"""Freeze time at 15 June 2025 for every indicator test; builders are in indicator_helpers.py."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
import time_machine

sys.path.insert(0, str(Path(__file__).parent))

from indicator_helpers import OSLO  # noqa: E402


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=OSLO), tick=False):
        yield
