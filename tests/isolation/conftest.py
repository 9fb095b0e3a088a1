"""The isolation tests run on 10/11/2021 09:00 in Tam Đường (under Công văn 5599/BYT-MT: 14 days, tests on day 1,
7, 14); their fixtures live in tests/isolation/fixtures.py (registered for every module)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from tests.labs.fixtures import NOW, at

__all__ = ["NOW", "at"]


@pytest.fixture(autouse=True)
def pinned_clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
