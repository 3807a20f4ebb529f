from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "oppfolging.accounts"
    verbose_name = _("Kommuner og brukere")

    def ready(self) -> None:
        from django.db.models import fields  # noqa: PLC0415

        from oppfolging.accounts import checks  # noqa: F401  (registers system checks)

        # The empty choice of every select: Django's own "- Select an option -" has no Norwegian
        # translation, so it would show in English (Django's documented way to replace it).
        fields.BLANK_CHOICE_LABEL = _("– Velg –")
