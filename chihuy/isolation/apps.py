from django.apps import AppConfig


class IsolationConfig(AppConfig):
    name = "chihuy.isolation"
    label = "isolation"
    verbose_name = "Cách ly và điều trị"

    def ready(self) -> None:
        from chihuy.isolation import notifications  # noqa: F401  (registers the message templates)
