from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "oppfolging.documents"
    verbose_name = _("Dokumenter i planen")

    def ready(self) -> None:
        from oppfolging.documents import checks  # noqa: F401  (registers system checks)
