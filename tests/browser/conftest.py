"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Skipped when /usr/bin/chromium is missing, unless CHIHUY_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CHIHUY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and CHIHUY_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def lai_chau(transactional_db: Any) -> None:
    """The unit tree: a transactional test flushes the one loaded for the session, so load it again."""
    from chihuy.places.models import Unit
    from chihuy.places.services import units_load_province

    if not Unit.objects.exists():
        units_load_province(province="Lai Châu")
    seed_policies()


def seed_policies() -> None:
    """A transactional test's flush also empties the policy rows the migrations seeded: seed them again."""
    import importlib

    from django.apps import apps

    from chihuy.core.models import Policy
    from chihuy.vaccination.models import Vaccine

    if not Vaccine.objects.exists():
        importlib.import_module("chihuy.vaccination.migrations.0002_seed_vaccines").seed(apps, None)
    if Policy.objects.exists():
        return
    for name in ("0002_seed_policies", "0004_seed_case_policies"):
        importlib.import_module(f"chihuy.core.migrations.{name}").seed(apps, None)
    importlib.import_module("chihuy.notify.migrations.0002_seed_notify_policies").seed(apps, None)
    importlib.import_module("chihuy.command.migrations.0003_seed_ticket_policies").seed(apps, None)
    importlib.import_module("chihuy.command.migrations.0004_seed_roster_policies").seed(apps, None)
    importlib.import_module("chihuy.labs.migrations.0002_seed_lab_policies").seed(apps, None)
    importlib.import_module("chihuy.isolation.migrations.0002_seed_isolation_policies").seed(apps, None)
    importlib.import_module("chihuy.tracing.migrations.0002_seed_tracing_policies").seed(apps, None)
    # Issue 8's migrations seed their policy rows (if any) through a module-level `seed`.
    for name in ("chihuy.reports.migrations.0002_levels", "chihuy.reports.migrations.0003_daily"):
        module = importlib.import_module(name)
        if hasattr(module, "seed"):
            module.seed(apps, None)
