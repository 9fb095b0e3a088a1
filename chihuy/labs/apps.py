from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "chihuy.labs"
    label = "labs"
    verbose_name = "Xét nghiệm"
