"""A local fake ID-porten for the sign-in tests: the fake OpenID provider of the HelseID tests
(authorize, token with a PKCE check, JWKS), with the «Min plan» OIDC views mounted as in production."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from mozilla_django_oidc import views as oidc_views
from tests.accounts.fake_helseid import urlpatterns as provider_urls

from oppfolging.portal.oidc import IdPortenCallbackView

urlpatterns = [
    path("oidc/authenticate/", login_not_required(oidc_views.OIDCAuthenticationRequestView.as_view()),
         name="oidc_authentication_init"),
    path("oidc/callback/", login_not_required(IdPortenCallbackView.as_view()),
         name="oidc_authentication_callback"),
    *provider_urls[:-1],
    path("", include("oppfolging.urls")),
]
