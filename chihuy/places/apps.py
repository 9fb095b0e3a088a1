from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "chihuy.places"
    label = "places"
    verbose_name = "Địa bàn"
