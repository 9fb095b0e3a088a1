from django.apps import AppConfig


class VaccinationConfig(AppConfig):
    name = "chihuy.vaccination"
    label = "vaccination"
    verbose_name = "Tiêm chủng"
