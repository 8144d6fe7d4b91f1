from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from config.api import api
from core import views as core_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Pages without our <link rel="icon"> (the admin, a JSON document opened in a tab) make the
    # browser ask for /favicon.ico: the same icon, not a 404 in every log.
    path("favicon.ico", core_views.favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("exam/", include("exams.urls")),
    path("proctor/", include("proctoring.urls")),
    path("phone/", include("proctoring.phone_urls")),
    path("vision/", include("vision.urls")),
    # Pages that moved out of vision with their records keep their /vision/ paths.
    path("vision/", include("exams.identity_urls")),
    path("vision/", include("proctoring.evidence_urls")),
    path("inspections/", include("inspections.urls")),
    path("questionbank/", include("questionbank.urls")),
    path("candidates/", include("candidates.urls")),
    path("sites/", include("centres.urls")),
    path("cert/", include("certification.urls")),
    path("support/", include("support.urls")),
    path("jobs/", include("jobs.urls")),
    path("evidence/", include("custody.urls")),
    path("review/", include("review.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
handler500 = "core.views.server_error"
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
