from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "chihuy.web"
    label = "web"
    verbose_name = "Giao diện web"
