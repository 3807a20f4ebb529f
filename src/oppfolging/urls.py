"""The one URL map."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("oppfolging.accounts.urls")),
    path("personer/", include("oppfolging.people.urls")),
    path("tjenester/", include("oppfolging.catalogue.urls")),
    path("tilgang/", include("oppfolging.access.urls")),
    path("logg/", include("oppfolging.audit.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
