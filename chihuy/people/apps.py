from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "chihuy.people"
    label = "people"
    verbose_name = "Người"
