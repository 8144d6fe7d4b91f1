from django.urls import path

from questionbank import editor_views, views

app_name = "questionbank"
urlpatterns = [
    path("", views.subjects, name="subjects"),
    path("template.xlsx", views.template, name="template"),
    path("questions/<int:question_id>/retire/", views.retire, name="retire"),
    path("questions/<int:question_id>/restore/", views.restore, name="restore"),
    path("questions/<int:question_id>/edit/", editor_views.edit_question, name="edit"),
    path("questions/<int:question_id>/copy/", editor_views.copy_question, name="copy"),
    path("<str:code>/", views.bank, name="bank"),
    path("<str:code>/import/", views.import_questions, name="import"),
    path("<str:code>/new/", editor_views.new_question, name="new"),
]
