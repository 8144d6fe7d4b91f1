"""The phone's second view (``proctoring.phone_views``), mounted at ``/phone/``: short links,
since the pairing link is what the QR code carries."""

from django.urls import path, re_path

from proctoring import pairing, phone_views, room_scan_views

app_name = "phone"
urlpatterns = [
    path("", phone_views.camera, name="camera"),
    path("attempts/<int:attempt_id>/code/", phone_views.new_code, name="code"),
    path("attempts/<int:attempt_id>/status/", phone_views.phone_status, name="status"),
    path(
        "attempts/<int:attempt_id>/room-scan/",
        room_scan_views.status,
        name="room-scan-status",
    ),
    re_path(rf"^(?P<token>{pairing.TOKEN_PATTERN})/$", phone_views.link, name="link"),
]
