from django.urls import path

from questionbank import export_views, views

app_name = "questionbank"
urlpatterns = [
    path("", views.subjects, name="subjects"),
    path("template.xlsx", views.template, name="template"),
    path("questions/<int:question_id>/", views.question_detail, name="question"),
    path("questions/<int:question_id>/edit/", views.edit_question, name="edit"),
    path("questions/<int:question_id>/copy/", views.copy_question, name="copy"),
    path("questions/<int:question_id>/retire/", views.retire, name="retire"),
    path("questions/<int:question_id>/restore/", views.restore, name="restore"),
    path("<str:code>/", views.bank, name="bank"),
    path("<str:code>/export/qti3.zip", export_views.qti_export, name="export-qti"),
    path("<str:code>/import/", views.import_questions, name="import"),
    path("<str:code>/new/", views.new_question, name="new"),
    path("<str:code>/new/<str:kind>/", views.create_question, name="create"),
    path("<str:code>/export/moodle.xml", export_views.moodle_export, name="export-moodle"),
]
