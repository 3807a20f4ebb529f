from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "oppfolging.calendars"
    verbose_name = _("Kalender og oppgaver")
