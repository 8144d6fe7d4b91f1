from django.urls import path

from certification.views import plans, public, setup

app_name = "certification"
urlpatterns = [
    path("", setup.home, name="home"),
    path("institutions/", setup.institutions, name="institutions"),
    path("catalogue/", setup.catalogue, name="catalogue"),
    path("organisations/<int:organisation_id>/code-list/", setup.code_list, name="code-list"),
    path("quotas/", setup.quotas, name="quotas"),
    path("plans/", plans.plan_list, name="plans"),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan"),
    path("plans/<int:plan_id>/register/", plans.register, name="register"),
    path("plans/<int:plan_id>/windows/", plans.change_windows, name="change-windows"),
    path(
        "plans/<int:plan_id>/register/import/",
        plans.import_registrations,
        name="import-registrations",
    ),
    path(
        "plans/<int:plan_id>/register/template.xlsx",
        plans.registration_template,
        name="registration-template",
    ),
    path("plans/<int:plan_id>/sessions/", plans.add_session, name="add-session"),
    path("plans/<int:plan_id>/schedule/", plans.auto_assign, name="auto-assign"),
    path("plans/<int:plan_id>/sessions/<int:session_id>/exam/", plans.link_exam, name="link-exam"),
    path("plans/<int:plan_id>/register-online/", plans.register_online, name="register-online"),
    path("plans/<int:plan_id>/scores/collect/", plans.collect_scores, name="collect-scores"),
    path("plans/<int:plan_id>/seats/<int:seat_id>/move/", plans.move_seat, name="move-seat"),
    path("plans/<int:plan_id>/seats/<int:seat_id>/ticket.pdf", plans.ticket, name="ticket"),
    path(
        "plans/<int:plan_id>/rooms/<int:room_id>/<int:session_id>/tickets.pdf",
        plans.room_tickets,
        name="room-tickets",
    ),
    path(
        "plans/<int:plan_id>/rooms/<int:room_id>/<int:session_id>/tickets-job/",
        plans.room_tickets_job,
        name="room-tickets-job",
    ),
    path(
        "plans/<int:plan_id>/rooms/<int:room_id>/<int:session_id>/materials.pdf",
        plans.room_materials,
        name="room-materials",
    ),
    path("plans/<int:plan_id>/scores/<int:enrolment_id>/", plans.enter_score, name="enter-score"),
    path("plans/<int:plan_id>/scores/import/", plans.import_scores, name="import-scores"),
    path("plans/<int:plan_id>/certificates/org-sign/", plans.org_sign, name="org-sign"),
    path("plans/<int:plan_id>/certificates/site-sign/", plans.site_sign, name="site-sign"),
    path("plans/<int:plan_id>/certificates/stamp/", plans.stamp, name="stamp"),
    path(
        "plans/<int:plan_id>/certificates/<int:certificate_id>/revoke/", plans.revoke, name="revoke"
    ),
    path("plans/<int:plan_id>/export.xlsx", plans.export, name="export"),
    path("query/", public.query, name="query"),
    path("verify/", public.verify_file, name="verify-file"),
    path("verify/<str:token>/", public.verify, name="verify"),
    path("download/", public.download, name="download"),
]
