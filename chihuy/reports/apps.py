from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "chihuy.reports"
    label = "reports"
    verbose_name = "Báo cáo"
