from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chihuy.cases"
    label = "cases"
    verbose_name = "Ca bệnh & truy vết"
