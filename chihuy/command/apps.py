from django.apps import AppConfig


class CommandConfig(AppConfig):
    name = "chihuy.command"
    label = "command"
    verbose_name = "Trung tâm chỉ huy"
