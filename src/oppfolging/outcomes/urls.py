from django.urls import path

from oppfolging.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.start, name="start"),
    path("kommuner/", views.pooled, name="pooled"),
    path("kommuner/effekt.csv", views.pooled_csv, name="pooled_csv"),
    path("kommuner/effekt.xlsx", views.pooled_xlsx, name="pooled_xlsx"),
    path("import/", views.imports, name="imports"),
    path("import/<int:import_id>/", views.import_detail, name="import_detail"),
    path("person/<int:person_id>/", views.person_outcomes, name="person"),
    path("<str:number>/", views.effect, name="effect"),
    path("<str:number>/effekt.csv", views.effect_csv, name="effect_csv"),
    path("<str:number>/effekt.xlsx", views.effect_xlsx, name="effect_xlsx"),
]
