from django.urls import path

from support.views import attempts, conversations, device_checks, makeups, passcodes

app_name = "support"
urlpatterns = [
    path("", conversations.conversations, name="conversations"),
    path(
        "conversations/<int:conversation_id>/",
        conversations.conversation,
        name="conversation",
    ),
    path(
        "conversations/<int:conversation_id>/close/",
        conversations.close_conversation,
        name="close-conversation",
    ),
    path("attempts/", attempts.attempts, name="attempts"),
    path("attempts/<int:attempt_id>/", attempts.attempt_detail, name="attempt"),
    path("attempts/<int:attempt_id>/repair/", attempts.attempt_repair, name="attempt-repair"),
    path("makeup/", makeups.makeup_requests, name="makeup-requests"),
    path("makeup/<int:request_id>/", makeups.makeup_detail, name="makeup"),
    path(
        "makeup/<int:request_id>/screenshot/", makeups.makeup_screenshot, name="makeup-screenshot"
    ),
    path("makeup/new/<int:attempt_id>/", makeups.makeup_new, name="makeup-new"),
    path("passcodes/", passcodes.passcode_exams, name="passcode-exams"),
    path("passcodes/<int:exam_id>/", passcodes.passcode_exam, name="passcode-exam"),
    path(
        "passcodes/registrations/<int:registration_id>/reissue/",
        passcodes.passcode_reissue,
        name="passcode-reissue",
    ),
    path("device-check/", device_checks.device_check, name="device-check"),
    path("device-check/upload/", device_checks.speed_test, name="speed-test"),
    path("device-check/result/", device_checks.device_check_result, name="device-check-result"),
    path("device-checks/", device_checks.device_checks, name="device-checks"),
]
