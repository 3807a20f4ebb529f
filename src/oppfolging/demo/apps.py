from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "oppfolging.demo"
    verbose_name = _("Demokommune")

    def ready(self) -> None:
        from oppfolging.demo import checks  # noqa: F401  (registers the deploy check)
