from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanTemplatesConfig(AppConfig):
    name = "oppfolging.plantemplates"
    verbose_name = _("Planmaler")
