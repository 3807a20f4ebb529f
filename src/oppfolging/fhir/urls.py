from django.urls import path

from oppfolging.fhir import views

app_name = "fhir"
urlpatterns = [
    path("R4/metadata", views.metadata, name="metadata"),
    path("R4/openapi.json", views.openapi, name="openapi"),
    path("R4/<str:resource_type>", views.type_endpoint, name="type"),
    path("R4/<str:resource_type>/<str:resource_id>", views.instance_endpoint, name="instance"),
    path("dev-issuer/jwks.json", views.dev_jwks, name="dev_jwks"),
]
