from django.urls import path

from vision import views

# Face enrolment only. The other pages under /vision/ keep their paths but live with their
# records: identity checks in exams.identity_urls, evidence in proctoring.evidence_urls.
app_name = "vision"
urlpatterns = [
    path("staff/faces/", views.enrolments, name="enrolments"),
    path("staff/faces/bulk/", views.bulk_enrol, name="bulk-enrol"),
    path("staff/faces/<int:candidate_id>/", views.candidate_face, name="candidate-face"),
    path("staff/faces/<int:candidate_id>/unbind/", views.unbind, name="unbind"),
    path("staff/faces/<int:candidate_id>/image/", views.enrolment_image, name="enrolment-image"),
]
