"""Evidence pages, included under ``/vision/`` (config/urls.py) so their paths stay the ones
alerts and pages have always linked to."""

from django.urls import path

from proctoring import evidence_views as views

app_name = "evidence"
urlpatterns = [
    path("staff/attempts/<int:attempt_id>/", views.attempt_evidence, name="attempt"),
    path("evidence/<int:frame_id>/", views.evidence, name="frame"),
    path("evidence/audio/<int:chunk_id>/", views.audio, name="audio"),
]
