from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FhirConfig(AppConfig):
    name = "oppfolging.fhir"
    label = "fhir"
    verbose_name = _("FHIR-grensesnitt")

    def ready(self) -> None:
        from oppfolging.fhir import checks  # noqa: F401  (registers the system checks)
