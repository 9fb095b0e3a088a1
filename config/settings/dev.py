"""`make run`: the demo on SQLite, served on localhost."""

from config.settings.base import *  # noqa: F403

DEBUG = True
