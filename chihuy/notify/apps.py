from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "chihuy.notify"
    label = "notify"
    verbose_name = "Cảnh báo, tin nhắn"
