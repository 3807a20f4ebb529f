from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "oppfolging.outcomes"
    verbose_name = "Utfall og effekt"
    default_auto_field = "django.db.models.BigAutoField"
