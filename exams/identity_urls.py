"""The identity step's pages, included under ``/vision/`` (config/urls.py) so their paths stay
what candidates' pages and staff bookmarks have always used."""

from django.urls import path

from exams import identity_views as views

app_name = "identity"
urlpatterns = [
    path("staff/checks/<int:check_id>/review/", views.review_check, name="review-check"),
    path("staff/checks/<int:check_id>/image/", views.check_image, name="check-image"),
    path("staff/checks/<int:check_id>/frames/<int:index>/", views.check_frame, name="check-frame"),
    path("identity/consent/", views.face_consent, name="consent"),
    path("identity/", views.identity_check, name="check"),
    path("identity/<int:check_id>/", views.identity_status, name="status"),
    path("identity/enrolment/", views.self_enrolment, name="self-enrolment"),
    path("identity/review/", views.identity_review_request, name="review-request"),
]
