from django.urls import path

from support import views

app_name = "support"
urlpatterns = [
    path("", views.conversations, name="conversations"),
    path("conversations/<int:conversation_id>/", views.conversation, name="conversation"),
    path(
        "conversations/<int:conversation_id>/close/",
        views.close_conversation,
        name="close-conversation",
    ),
    path("attempts/", views.attempts, name="attempts"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:attempt_id>/repair/", views.attempt_repair, name="attempt-repair"),
    path("makeup/", views.makeup_requests, name="makeup-requests"),
    path("makeup/<int:request_id>/", views.makeup_detail, name="makeup"),
    path("makeup/<int:request_id>/screenshot/", views.makeup_screenshot, name="makeup-screenshot"),
    path("makeup/new/<int:attempt_id>/", views.makeup_new, name="makeup-new"),
    path("passcodes/", views.passcode_exams, name="passcode-exams"),
    path("passcodes/<int:exam_id>/", views.passcode_exam, name="passcode-exam"),
    path(
        "passcodes/registrations/<int:registration_id>/reissue/",
        views.passcode_reissue,
        name="passcode-reissue",
    ),
    path("device-check/", views.device_check, name="device-check"),
    path("device-check/upload/", views.speed_test, name="speed-test"),
    path("device-check/result/", views.device_check_result, name="device-check-result"),
    path("device-checks/", views.device_checks, name="device-checks"),
]
