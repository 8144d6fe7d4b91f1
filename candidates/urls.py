from django.urls import path

from candidates import views

app_name = "candidates"
urlpatterns = [
    path("", views.candidate_list, name="list"),
    path("template.xlsx", views.template_download, name="template"),
    path("import/", views.import_view, name="import"),
    path("photos/", views.photos_view, name="photos"),
    path("<int:candidate_id>/photo", views.photo, name="photo"),
    path("<int:candidate_id>/", views.candidate_detail, name="detail"),
    path("<int:candidate_id>/correct/", views.correct, name="correct"),
    path("<int:candidate_id>/decide/", views.decide, name="decide"),
    path("<int:candidate_id>/remove/", views.remove, name="remove"),
    path("verify/", views.verify_batch, name="verify"),
    path("manual/", views.manual, name="manual"),
    path("export.xlsx", views.export, name="export"),
]
