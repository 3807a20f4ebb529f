import pytest

from ..plantools_world import World, build_world


@pytest.fixture
def world(cast) -> World:
    return build_world(cast)
