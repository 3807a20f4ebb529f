from django.urls import path

from oppfolging.children import views

app_name = "children"
urlpatterns = [
    path("barn/person/<int:person_id>/", views.child, name="child"),
    path("barn/person/<int:person_id>/barnekoordinator/", views.appoint, name="appoint"),
    path("barn/person/<int:person_id>/barnet-er-fodt/", views.move_to_child, name="move_to_child"),
    path("barn/person/<int:person_id>/forelder/<int:related_id>/hold-utenfor/", views.exclude, name="exclude"),
    path("barn/person/<int:person_id>/unntak/<int:exclusion_id>/opphev/", views.lift, name="lift"),
    path("barn/person/<int:person_id>/foreldre-innsyn/", views.parent_access, name="parent_access"),
    path("barn/person/<int:person_id>/barnets-mening/", views.child_view, name="child_view"),
]
