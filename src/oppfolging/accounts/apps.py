from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "oppfolging.accounts"
    verbose_name = _("Kommuner og brukere")

    def ready(self) -> None:
        from oppfolging.accounts import checks  # noqa: F401  (registers system checks)
