from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GpConfig(AppConfig):
    name = "oppfolging.gp"
    verbose_name = _("Fastlegens risikoliste")
