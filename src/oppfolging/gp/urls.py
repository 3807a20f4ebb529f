from django.urls import path

from oppfolging.gp import views

app_name = "gp"
urlpatterns = [
    path("", views.risk_lists, name="lists"),
    path("<int:list_id>/", views.risk_list_detail, name="detail"),
    path("<int:list_id>/tilgang/", views.authorise, name="authorise"),
    path("<int:list_id>/pasient/<int:entry_id>/vurder/", views.entry_review, name="review"),
    path("<int:list_id>/pasient/<int:entry_id>/meld/", views.entry_refer, name="refer"),
]
