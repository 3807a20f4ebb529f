"""Simulated lists for the effect engine's tests, made once per session (they take seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oppfolging.effect.simulate import simulate


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory):
    """Return a function giving the folder of a simulated list, simulating it on first use."""
    made: dict[tuple[int, float, int], Path] = {}

    def get(persons: int, effect: float, seed: int) -> Path:
        key = (persons, effect, seed)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"effect-{persons}-{effect}-{seed}")
            simulate(persons, effect, seed, folder)
            made[key] = folder
        return made[key]

    return get
