from django.urls import path

from exams import accommodation_views, marking, seb_views, setup_views, views

app_name = "exams"
urlpatterns = [
    path("sign-in/", views.candidate_sign_in, name="sign-in"),
    path("", views.exam, name="exam"),
    path("info/", views.info, name="info"),
    path("commitment/", views.commitment, name="commitment"),
    path("identity/", views.identity_step, name="identity"),
    path("identity/again/", views.reverify, name="reverify"),
    path("second-view/", views.second_view, name="second-view"),
    path("room-scan/", views.room_scan, name="room-scan"),
    path("waiting/", views.waiting, name="waiting"),
    path("answer/", views.answer, name="answer"),
    path("retake/", views.retake, name="retake"),
    path("attempts/<int:attempt_id>/result/", views.result, name="result"),
    path("marking/", marking.queue, name="marking"),
    path("marking/<int:attempt_id>/", marking.mark, name="mark"),
    path("seb/quit/", seb_views.quit_page, name="seb-quit"),
    path("seb/<str:token>/config.seb", seb_views.config_download, name="seb-config"),
    path("staff/exams/<int:exam_id>/seb/", seb_views.exam_seb, name="staff-seb"),
    path(
        "staff/exams/<int:exam_id>/accommodations/",
        accommodation_views.exam_accommodations,
        name="accommodations",
    ),
    path(
        "staff/registrations/<int:registration_id>/accommodation/",
        accommodation_views.registration_accommodation,
        name="accommodation",
    ),
    # Staff set-up of exams and their papers.
    path("manage/", setup_views.exam_list, name="manage"),
    path("manage/new/", setup_views.exam_new, name="manage-new"),
    path("manage/<int:exam_id>/", setup_views.exam_detail, name="manage-exam"),
    path("manage/<int:exam_id>/paper/", setup_views.paper, name="manage-paper"),
    path("manage/<int:exam_id>/paper/mode/", setup_views.paper_mode, name="manage-paper-mode"),
    path("manage/<int:exam_id>/paper/add/", setup_views.paper_add, name="manage-paper-add"),
    path("manage/<int:exam_id>/paper/items/", setup_views.paper_items, name="manage-paper-items"),
    path("manage/<int:exam_id>/paper/rules/", setup_views.paper_rules, name="manage-paper-rules"),
    path("manage/<int:exam_id>/paper/preview/", setup_views.paper_preview, name="manage-preview"),
]
