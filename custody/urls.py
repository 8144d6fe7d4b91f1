from django.urls import path

from custody import views

app_name = "custody"
urlpatterns = [
    path("attempts/<int:attempt_id>/package/", views.package, name="package"),
    path("verify/", views.verify_page, name="verify"),
]
