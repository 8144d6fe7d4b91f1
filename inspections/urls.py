from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("checklists/", views.checklists, name="checklists"),
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
