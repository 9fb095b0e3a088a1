from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chihuy.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self) -> None:
        from chihuy.core import lookups  # noqa: F401  (registers the `under` lookup)
