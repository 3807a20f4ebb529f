from django.urls import path

from oppfolging.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.start, name="start"),
    path("kommuner/", views.comparison, name="comparison"),
    path("kommuner/indikatorer.csv", views.comparison_csv, name="comparison_csv"),
    path("<str:number>/", views.dashboard, name="dashboard"),
    path("<str:number>/indikatorer.csv", views.export_csv, name="export_csv"),
    path("<str:number>/indikatorer.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<str:number>/measurereport.json", views.measure_report, name="measure_report"),
]
