from django.urls import path

from review import views

app_name = "review"
urlpatterns = [
    path("", views.index, name="index"),
    path("exams/<int:exam_id>/", views.exam_queue, name="queue"),
    path("exams/<int:exam_id>/precision/", views.rule_precision, name="precision"),
    path("attempts/<int:review_id>/", views.attempt, name="attempt"),
    path("attempts/<int:review_id>/claim/", views.claim, name="claim"),
    path("attempts/<int:review_id>/release/", views.release, name="release"),
    path("attempts/<int:review_id>/finish/", views.finish, name="finish"),
    path(
        "attempts/<int:review_id>/alerts/<int:alert_id>/decision/",
        views.decide_alert,
        name="decide-alert",
    ),
    path("my/attempts/<int:attempt_id>/", views.flags, name="flags"),
    path("exams/<int:exam_id>/appeals/", views.exam_appeals, name="appeals"),
    path("appeals/<int:appeal_id>/", views.appeal, name="appeal"),
    path("appeals/<int:appeal_id>/attachment/", views.appeal_attachment, name="appeal-attachment"),
]
