from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "chihuy.tracing"
    label = "tracing"
    verbose_name = "Địa điểm và quét mã QR"
