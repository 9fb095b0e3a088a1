from django.apps import AppConfig


class ResponseConfig(AppConfig):
    name = "chihuy.response"
    label = "response"
    verbose_name = "Điều phối 5S"
