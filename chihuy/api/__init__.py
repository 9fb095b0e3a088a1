"""The JSON API: one NinjaAPI with session and bearer-token authentication; domain routers mounted here."""
