"""The one URL map."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from oppfolging.accounts import views as account_views
from oppfolging.referrals import views as referral_views

urlpatterns = [
    path("", include("oppfolging.operations.urls")),
    path("", include("oppfolging.home.urls")),
    path("", include("oppfolging.accounts.urls")),
    path("innboks/", include("oppfolging.notifications.urls")),
    path("personer/", include("oppfolging.people.urls")),
    path("tjenester/", include("oppfolging.catalogue.urls")),
    path("tilgang/", include("oppfolging.access.urls")),
    path("logg/", include("oppfolging.audit.urls")),
    path("meldinger/", include("oppfolging.referrals.urls")),
    path("utredning/", include("oppfolging.assessments.urls")),
    path("team/", include("oppfolging.teams.urls")),
    path("plan/", include("oppfolging.plans.urls")),
    path("", include("oppfolging.notes.urls")),
    path("", include("oppfolging.documents.urls")),
    path("", include("oppfolging.plantemplates.urls")),
    path("", include("oppfolging.calendars.urls")),
    path("", include("oppfolging.children.urls")),
    path("mote/", include("oppfolging.meetings.urls")),
    path("indikatorer/", include("oppfolging.indicators.urls")),
    path("effekt/", include("oppfolging.outcomes.urls")),
    path("min-plan/", include("oppfolging.portal.urls")),
    path("fastlege/risikoliste/", include("oppfolging.gp.urls")),
    path("meld-behov/", referral_views.public_start, name="public_referral_start"),
    path("meld-behov/kvittering/<str:code>/", referral_views.public_receipt, name="public_referral_receipt"),
    path("meld-behov/<str:number>/", referral_views.public_form, name="public_referral_form"),
    path("fhir/", include("oppfolging.fhir.urls")),
    path("i18n/setlang/", account_views.language_set, name="set_language"),
]

if settings.OIDC_ENABLED:
    from mozilla_django_oidc import views as oidc_views

    from oppfolging.portal.oidc import IdPortenCallbackView

    urlpatterns += [
        path("oidc/authenticate/", login_not_required(oidc_views.OIDCAuthenticationRequestView.as_view()),
             name="oidc_authentication_init"),
        path("oidc/callback/", login_not_required(IdPortenCallbackView.as_view()),
             name="oidc_authentication_callback"),
    ]

handler400 = "oppfolging.operations.views.bad_request"
