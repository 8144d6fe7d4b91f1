from django.urls import path

from inspections import checklist_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("checklists/", views.checklists, name="checklists"),
    path("checklists/manage/", checklist_views.manage, name="checklist-manage"),
    path("checklists/new/", checklist_views.template_new, name="checklist-new"),
    path(
        "checklists/<int:template_id>/edit/", checklist_views.template_edit, name="checklist-edit"
    ),
    path(
        "checklists/<int:template_id>/copy/", checklist_views.template_copy, name="checklist-copy"
    ),
    path(
        "checklists/<int:template_id>/retire/",
        checklist_views.template_retire,
        name="checklist-retire",
    ),
    path(
        "checklists/sections/<int:section_id>/",
        checklist_views.section_edit,
        name="checklist-section",
    ),
    path(
        "checklists/sections/<int:section_id>/move/",
        checklist_views.section_move,
        name="checklist-section-move",
    ),
    path(
        "checklists/sections/<int:section_id>/delete/",
        checklist_views.section_delete,
        name="checklist-section-delete",
    ),
    path("checklists/items/<int:item_id>/", checklist_views.item_edit, name="checklist-item"),
    path(
        "checklists/items/<int:item_id>/move/",
        checklist_views.item_move,
        name="checklist-item-move",
    ),
    path(
        "checklists/items/<int:item_id>/delete/",
        checklist_views.item_delete,
        name="checklist-item-delete",
    ),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/reports/start/", views.report_start, name="report-start"),
    path("units/<int:unit_id>/findings/new/", views.finding_new, name="finding-new"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:rectification_id>/", views.finding_detail, name="finding"),
    path("summary/", views.weekly_summary, name="summary"),
    path("summary.xlsx", views.weekly_summary_xlsx, name="summary-xlsx"),
    path("summary.pdf", views.weekly_summary_pdf, name="summary-pdf"),
    path("evidence/<int:evidence_id>/", views.evidence, name="evidence"),
]
