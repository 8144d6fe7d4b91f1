from django.urls import path

from exams import views

app_name = "exams"
urlpatterns = [
    path("sign-in/", views.candidate_sign_in, name="sign-in"),
    path("", views.exam, name="exam"),
    path("attempts/<int:attempt_id>/result/", views.result, name="result"),
]
