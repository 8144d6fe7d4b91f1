from django.urls import path

from proctoring import views

app_name = "proctoring"
urlpatterns = [
    path("", views.console, name="console"),
    path("rooms/<int:room_id>/", views.room, name="room"),
]
