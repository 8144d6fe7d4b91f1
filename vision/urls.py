from django.urls import path

from vision import views

app_name = "vision"
urlpatterns = [
    path("staff/faces/", views.enrolments, name="enrolments"),
    path("staff/faces/<int:candidate_id>/", views.candidate_face, name="candidate-face"),
    path("staff/faces/<int:candidate_id>/unbind/", views.unbind, name="unbind"),
    path("staff/faces/<int:candidate_id>/image/", views.enrolment_image, name="enrolment-image"),
    path("staff/checks/<int:check_id>/review/", views.review_check, name="review-check"),
    path("staff/checks/<int:check_id>/image/", views.check_image, name="check-image"),
    path("staff/attempts/<int:attempt_id>/", views.attempt_evidence, name="attempt-evidence"),
    path("evidence/<int:frame_id>/", views.evidence, name="evidence"),
    path("identity/", views.identity_check, name="identity-check"),
    path("identity/<int:check_id>/", views.identity_status, name="identity-status"),
    path("identity/review/", views.identity_review_request, name="identity-review-request"),
]
