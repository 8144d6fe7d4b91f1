"""Evidence pages, included under ``/vision/`` (config/urls.py) so their paths stay the ones
alerts and pages have always linked to."""

from django.urls import path

from proctoring import evidence_views as views

app_name = "evidence"
urlpatterns = [
    path("staff/attempts/<int:attempt_id>/", views.attempt_evidence, name="attempt"),
    path("evidence/<int:pk>/", views.evidence_file, {"kind": "frame"}, name="frame"),
    path("evidence/audio/<int:pk>/", views.evidence_file, {"kind": "audio"}, name="audio"),
]
