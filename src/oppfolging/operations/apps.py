from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "oppfolging.operations"
    verbose_name = _("Drift")

    def ready(self) -> None:
        from oppfolging.operations import jobs  # noqa: F401  (connects the job signal receivers)
