from django.urls import path

from proctoring import alert_profile_views, recording_views, room_scan_views, views

app_name = "proctoring"
urlpatterns = [
    path("", views.console, name="console"),
    path("rooms/<int:room_id>/", views.room, name="room"),
    path("rooms/<int:room_id>/broadcast/", views.broadcast, name="broadcast"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:attempt_id>/warnings/", views.send_warning, name="warn"),
    path("attempts/<int:attempt_id>/violations/", views.record_violation, name="violation"),
    path("attempts/<int:attempt_id>/screenshots/", views.take_screenshot, name="screenshot"),
    path("attempts/<int:attempt_id>/end/", views.end_exam, name="end"),
    path("alerts/<int:alert_id>/decision/", views.decide_alert, name="decide"),
    # Recordings (R-PROC-6): uploads from the candidate's browsers, staff playback and review.
    path(
        "recordings/<int:attempt_id>/<int:view>/",
        recording_views.upload,
        name="recording-upload",
    ),
    path(
        "recordings/<int:attempt_id>/screen-stills/",
        recording_views.screen_still,
        name="screen-still",
    ),
    path(
        "recordings/segments/<int:segment_id>/",
        recording_views.segment,
        name="recording-segment",
    ),
    path("attempts/<int:attempt_id>/review/", recording_views.review, name="review"),
    # The phone's room scan before answering: its upload and the review page's player.
    path("room-scans/<int:attempt_id>/", room_scan_views.upload, name="room-scan-upload"),
    path("room-scans/files/<int:scan_id>/", room_scan_views.scan_file, name="room-scan-file"),
    # An exam's AI rule profile, linked from the exam's set-up page.
    path("exams/<int:exam_id>/alert-rules/", alert_profile_views.alert_rules, name="alert-rules"),
    path(
        "exams/<int:exam_id>/alert-rules/reset/",
        alert_profile_views.alert_rules_reset,
        name="alert-rules-reset",
    ),
]
