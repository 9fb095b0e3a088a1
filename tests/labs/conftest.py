"""The labs tests run on 10/11/2021 09:00 in Bản Giang (seed 001); their fixtures live in tests/labs/fixtures.py
(registered for every module, so that the web and API tests of testing share them)."""

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
