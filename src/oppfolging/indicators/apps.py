from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "oppfolging.indicators"
    verbose_name = "Indikatorer"
    default_auto_field = "django.db.models.BigAutoField"
