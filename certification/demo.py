"""Demo data for the administration pages (used by ``manage.py seed_demo``): the organisation of
``seeds/04``, the demo site as a pilot institution, a certificate with majors in both code lists,
a quota, a plan open for registration (the extra mid-year plan of the notice) and an ended plan
with a stamped certificate whose verification page can be opened."""

from __future__ import annotations

import datetime as dt

from candidates.models import Candidate
from candidates.statuses import Verification
from centres.models import Site
from certification.models import Enrolment, ExamPlan, IssuedCertificate, Quota, Score
from certification.statuses import CertificateStatus
from reference.models import Certificate, Institution, Major, MajorCodeList, Organisation


def _windows(start: dt.datetime) -> dict[str, dt.datetime]:
    names = ["registration", "scheduling", "exam", "score_entry", "publication"]
    return {
        f"{name}_{edge}": start + dt.timedelta(days=3 * i + (3 if edge == "closes" else 0))
        for i, name in enumerate(names)
        for edge in ("opens", "closes")
    }


def seed(site: Site, now: dt.datetime) -> list[str]:
    organisation, _ = Organisation.objects.update_or_create(
        code="HYQX", defaults={"name": "北京化育求贤教育科技有限公司"}
    )
    institution, _ = Institution.objects.update_or_create(
        code="DEMO-INST", defaults={"name": "示范化工职业技术学院", "province": "北京"}
    )
    Site.objects.filter(pk=site.pk).update(institution=institution)
    new, _ = Major.objects.update_or_create(
        code_list=MajorCodeList.NEW, code="470201", defaults={"name": "应用化工技术"}
    )
    old, _ = Major.objects.update_or_create(
        code_list=MajorCodeList.OLD, code="570201", defaults={"name": "应用化工技术"}
    )
    certificate, _ = Certificate.objects.update_or_create(
        code="HGJL-M",
        defaults={"organisation": organisation, "name": "化工精馏安全控制", "level": "中级"},
    )
    certificate.majors.add(new, old)
    Quota.objects.update_or_create(
        institution=institution, certificate=certificate, major=new, defaults={"declared": 3}
    )
    candidates = list(Candidate.objects.filter(site=site).order_by("id_number"))
    Candidate.objects.filter(pk__in=[c.pk for c in candidates]).update(
        institution=institution,
        certificate=certificate,
        major=new,
        verification=Verification.VERIFIED,
    )
    ExamPlan.objects.update_or_create(
        code="DEMO-2022-S4",
        defaults={
            "organisation": organisation,
            "certificate": certificate,
            "name": "2022年上半年增补考试（示范）",
            **_windows(now - dt.timedelta(days=1)),
        },
    )
    ended, _ = ExamPlan.objects.update_or_create(
        code="DEMO-2021-S2",
        defaults={
            "organisation": organisation,
            "certificate": certificate,
            "name": "2021年下半年考试（示范）",
            **_windows(now - dt.timedelta(days=60)),
        },
    )
    lines = []
    if candidates:
        enrolment, _ = Enrolment.objects.get_or_create(
            plan=ended, candidate=candidates[0], defaults={"site": site}
        )
        Score.objects.update_or_create(enrolment=enrolment, defaults={"value": 86, "passed": True})
        issued, _ = IssuedCertificate.objects.get_or_create(
            enrolment=enrolment,
            defaults={
                "number": f"HGJL-M-2021-{enrolment.pk:08d}",
                "token": "demo-certificate",
                "status": CertificateStatus.STAMPED,
                "org_signed_at": now,
                "site_signed_at": now,
                "stamped_at": now,
            },
        )
        # Its signed steps and its PDF, issued once as every stamped certificate is.
        from certification import certificates, issuing

        issuing.backfill(issued, certificates.verification_url(None, issued))
        lines.append(
            f"Administration: /cert/ ; certificate query /cert/query/ with "
            f"{candidates[0].id_number} {candidates[0].name}; "
            f"verification /cert/verify/{issued.token}/"
        )
    return lines
