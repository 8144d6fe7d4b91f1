"""The stages of a new exam centre's first exam, through the pages only (issue #12's "Done
means"): each stage is one function the test calls in order, so a failure names the stage.

Nothing here writes to the database: every change goes through a page. The ORM is read for
assertions and to find the primary keys the pages put in their URLs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from candidates import idnumber
from exams import passcodes
from tests.browser.flows import answer_the_consent_step, wait_for

SUPERUSER = "root"
SUPERUSER_PASSWORD = "first exam root 2026"
SITE_ADMIN = "sally"
SITE_ADMIN_PHONE = "13900000001"
PROCTOR = "petra"
PROCTOR_PHONE = "13900000002"
STAFF_PASSWORD = "quiet river lantern 42"
# The person in the fake camera's clip, and someone else (both real photos from shared data).
CLIP_PERSON = "lin_manuel_miranda_1.jpg"
OTHER_PERSON = "obama_1.jpg"


def id_photo(name: str) -> bytes:
    """A registered photo as the rules want it (295×413, red background): a real photograph
    scaled into the lower part of a red card, as a centre's photo software would."""
    from PIL import Image

    from candidates import photos

    person = Image.open(Path(settings.SHARED_DATA_DIR) / "faces" / name).convert("RGB")
    person.thumbnail((photos.WIDTH - 12, photos.HEIGHT - 60))
    canvas = Image.new("RGB", (photos.WIDTH, photos.HEIGHT), (200, 16, 30))
    canvas.paste(person, ((photos.WIDTH - person.width) // 2, photos.HEIGHT - person.height))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=92)
    return out.getvalue()


def id_number(first17: str) -> str:
    return first17 + idnumber.check_character(first17)


@dataclass
class Centre:
    """What the stages made, for the stages after them."""

    live_url: str
    outbox: Path
    browser: Any
    screenshot: Any
    pages: dict[str, Any] = field(default_factory=dict)
    candidates: list[tuple[str, str, str]] = field(
        default_factory=lambda: [
            ("林曼努", id_number("11010519900307201"), CLIP_PERSON),
            ("欧巴马", id_number("11010519850101301"), OTHER_PERSON),
        ]
    )

    def page(self, who: str) -> Any:
        """One browser context per person, as each has their own computer."""
        if who not in self.pages:
            context = self.browser.new_context(
                locale="zh-CN", viewport={"width": 1280, "height": 900}
            )
            context.grant_permissions(["camera", "microphone"], origin=self.live_url)
            self.pages[who] = context.new_page()
        return self.pages[who]

    def url(self, path: str) -> str:
        return f"{self.live_url}{path}"


def local(moment: dt.datetime) -> str:
    """A time as a datetime-local input takes it, in the platform's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def message_to(outbox: Path, phone: str) -> str:
    """The newest message the worker wrote to ``phone`` in the file outbox."""

    def lines() -> list[dict]:
        if not outbox.exists():
            return []
        return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]

    wait_for(lambda: any(line["to"] == phone for line in lines()), seconds=60)
    return str([line for line in lines() if line["to"] == phone][-1]["body"])


def link_sent_to(outbox: Path, phone: str) -> str:
    """The link in the newest message the worker wrote to ``phone`` in the file outbox."""
    body = message_to(outbox, phone)
    found = re.search(r"https?://\S+", body)
    assert found is not None, body
    return found.group(0)


def candidate_phone(index: int) -> str:
    return f"1370000000{index}"


def sign_in(page: Any, centre: Centre, username: str, password: str) -> None:
    page.goto(centre.url("/accounts/sign-in/"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/sign-in/" not in page.url, f"{username} could not sign in"


def success(page: Any) -> None:
    """The page after a form: a success message, not an error."""
    page.wait_for_selector(".message.success, .message.error, .errorlist, .error-box")
    errors = page.locator(".message.error, .errorlist, .error-box")
    assert errors.count() == 0, errors.all_inner_texts()


def wait_for_job(page: Any) -> None:
    """A job page (jobs:detail) refreshes itself until its job has finished."""
    page.wait_for_url("**/jobs/**")
    page.wait_for_selector("#job[data-status=done], #job[data-status=failed]", timeout=120_000)
    assert page.get_attribute("#job", "data-status") == "done", page.inner_text("main")


def accept_invitation(centre: Centre, who: str, phone: str, username: str) -> Any:
    link = link_sent_to(centre.outbox, phone)
    assert link.startswith(centre.live_url), link
    page = centre.page(who)
    page.goto(link)
    page.wait_for_url("**/set-password/")
    page.fill("#id_new_password1", STAFF_PASSWORD)
    page.fill("#id_new_password2", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/sign-in/")
    sign_in(page, centre, username, STAFF_PASSWORD)
    return page


# --- The stages -------------------------------------------------------------------------------


def superuser_signs_in(centre: Centre) -> None:
    page = centre.page("root")
    sign_in(page, centre, SUPERUSER, SUPERUSER_PASSWORD)


def catalogue(centre: Centre) -> None:
    """The evaluation organisation, a major and a certificate (证书目录)."""
    page = centre.page("root")
    page.goto(centre.url("/cert/catalogue/"))
    page.fill("#id_org-code", "ORG-SAFE")
    page.fill("#id_org-name", "安全技能评价中心")
    page.select_option("#id_org-major_code_list", "new")
    page.click("form:has(input[name=form][value=organisation]) button[type=submit]")
    success(page)
    page.select_option("#id_major-code_list", "new")
    page.fill("#id_major-code", "610101")
    page.fill("#id_major-name", "安全技术与管理")
    page.click("form:has(input[name=form][value=major]) button[type=submit]")
    success(page)
    page.select_option("#id_cert-organisation", label="安全技能评价中心")
    page.fill("#id_cert-code", "CERT-SAFE")
    page.fill("#id_cert-name", "安全生产技能证书")
    page.fill("#id_cert-level", "初级")
    page.check("form:has(input[name=form][value=certificate]) input[name=cert-majors]")
    page.click("form:has(input[name=form][value=certificate]) button[type=submit]")
    success(page)
    centre.screenshot(page, "catalogue")


def institution(centre: Centre) -> None:
    """The institution (院校), which also makes its draft exam site."""
    page = centre.page("root")
    page.goto(centre.url("/cert/institutions/"))
    page.fill("#id_code", "INST-01")
    page.fill("#id_name", "第一职业技术学院")
    page.fill("#id_province", "北京")
    page.click("main form.card button[type=submit]")
    success(page)


def site_admin(centre: Centre) -> None:
    """The organisation makes the site's administrator, who sets a password from the SMS."""
    from centres.models import Site

    site = Site.objects.get(institution__code="INST-01")
    page = centre.page("root")
    page.goto(centre.url(f"/sites/{site.pk}/"))
    form = page.locator(f"form[action='/sites/{site.pk}/admins/']")
    form.locator("#id_full_name").fill("沈老师")
    form.locator("#id_username").fill(SITE_ADMIN)
    form.locator("#id_phone").fill(SITE_ADMIN_PHONE)
    form.locator("button[type=submit]").click()
    success(page)
    accept_invitation(centre, "sally", SITE_ADMIN_PHONE, SITE_ADMIN)


def site_approval(centre: Centre) -> None:
    """The site applies to become an exam site; the organisation approves."""
    from centres.models import Site

    site = Site.objects.get(institution__code="INST-01")
    sally = centre.page("sally")
    sally.goto(centre.url(f"/sites/{site.pk}/"))
    sally.fill("#id_application", "两名监考员、一名考评员；40 台联网电脑；一间计算机教室。")
    sally.click(f"form[action='/sites/{site.pk}/apply/'] button[type=submit]")
    success(sally)
    root = centre.page("root")
    root.goto(centre.url(f"/sites/{site.pk}/"))
    root.select_option("#id_decision", "approve")
    root.click(f"form[action='/sites/{site.pk}/review/'] button[type=submit]")
    success(root)
    site.refresh_from_db()
    assert site.status == "approved"


def room_and_proctor(centre: Centre) -> None:
    """The site adds a room, records a proctor with a login, and assigns them to the room."""
    from centres.models import Room, Site

    site = Site.objects.get(institution__code="INST-01")
    sally = centre.page("sally")
    sally.goto(centre.url(f"/sites/{site.pk}/"))
    room_form = sally.locator(f"form[action='/sites/{site.pk}/rooms/']")
    room_form.locator("#id_code").fill("R101")
    room_form.locator("#id_name").fill("计算机教室 101")
    room_form.locator("#id_capacity").fill("40")
    room_form.locator("button[type=submit]").click()
    success(sally)
    staff_form = sally.locator(f"form[action='/sites/{site.pk}/staff/']")
    staff_form.locator("#id_kind").select_option("proctor")
    staff_form.locator("#id_name").fill("潘老师")
    staff_form.locator("#id_phone").fill(PROCTOR_PHONE)
    staff_form.locator("#id_username").fill(PROCTOR)
    staff_form.locator("button[type=submit]").click()
    sally.wait_for_selector(f"[data-login={PROCTOR}]")
    accept_invitation(centre, "petra", PROCTOR_PHONE, PROCTOR)

    room = Room.objects.get(site=site, code="R101")
    sally.goto(centre.url(f"/sites/{site.pk}/"))
    proctors = sally.locator(f"form[action='/sites/{site.pk}/rooms/{room.pk}/proctors/']")
    proctors.locator("input[name=proctors]").check()
    proctors.locator("button[type=submit]").click()
    success(sally)
    assert list(room.proctors.values_list("username", flat=True)) == [PROCTOR]
    centre.screenshot(sally, "site")


def candidate_import(centre: Centre) -> None:
    """The site imports its candidates from the template, with their photos (a zip named by ID
    number), and runs the automatic checks (考生信息确认)."""
    from openpyxl import Workbook

    from candidates.models import Candidate

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号", "手机号码", "证书代码", "专业代码"])
    for n, (name, number, _photo) in enumerate(centre.candidates):
        sheet.append([name, number, candidate_phone(n), "CERT-SAFE", "610101"])
    sheet_bytes = io.BytesIO()
    workbook.save(sheet_bytes)
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as archive:
        for _name, number, photo in centre.candidates:
            archive.writestr(f"{number}.jpg", id_photo(photo))

    sally = centre.page("sally")
    sally.goto(centre.url("/candidates/import/"))
    sally.set_input_files(
        "#id_file",
        {
            "name": "candidates.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": sheet_bytes.getvalue(),
        },
    )
    sally.set_input_files(
        "#id_photos",
        {"name": "photos.zip", "mimeType": "application/zip", "buffer": photos.getvalue()},
    )
    sally.click("main button[type=submit]")
    wait_for_job(sally)
    centre.screenshot(sally, "candidate-import")
    assert Candidate.objects.count() == len(centre.candidates), sally.inner_text("main")

    sally.goto(centre.url("/candidates/"))
    sally.click("form[action='/candidates/verify/'] button[type=submit]")
    success(sally)
    pending = list(Candidate.objects.exclude(verification="verified"))
    for candidate in pending:  # what the automatic checks could not decide, decided by hand
        sally.goto(centre.url(f"/candidates/{candidate.pk}/"))
        form = sally.locator(f"form[action='/candidates/{candidate.pk}/decide/']")
        form.locator("select[name=decision]").select_option("verify")
        form.locator("input[name=reason], textarea[name=reason]").fill("核对了身份证原件")
        form.locator("button[type=submit]").click()
        success(sally)
    assert set(Candidate.objects.values_list("verification", flat=True)) == {"verified"}


def plan_and_schedule(centre: Centre) -> None:
    """The organisation makes the exam plan (考试计划) with its windows open now and a session; the
    site registers its confirmed candidates; the organisation assigns the seats (排考)."""
    from certification.models import Enrolment, ExamPlan, Seat
    from reference.models import Certificate, Organisation

    now = timezone.now()
    root = centre.page("root")
    root.goto(centre.url("/cert/plans/"))
    root.select_option("#id_organisation", str(Organisation.objects.get(code="ORG-SAFE").pk))
    root.select_option("#id_certificate", str(Certificate.objects.get(code="CERT-SAFE").pk))
    root.fill("#id_code", "PLAN-2026-01")
    root.fill("#id_name", "2026 年第一期安全生产技能考核")
    root.fill("#id_pass_mark", "60")
    for phase in ("registration", "scheduling", "exam", "score_entry"):
        root.fill(f"#id_{phase}_opens", local(now - dt.timedelta(minutes=30)))
        root.fill(f"#id_{phase}_closes", local(now + dt.timedelta(days=2)))
    root.fill("#id_publication_opens", local(now + dt.timedelta(days=3)))
    root.fill("#id_publication_closes", local(now + dt.timedelta(days=30)))
    root.click("main form.card button[type=submit]")
    root.wait_for_url("**/cert/plans/*/")
    success(root)
    plan = ExamPlan.objects.get(code="PLAN-2026-01")

    sally = centre.page("sally")
    sally.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    register = sally.locator(f"form[action='/cert/plans/{plan.pk}/register/']")
    for box in register.locator("input[name=candidates]").all():
        box.check()
    register.locator("button[type=submit]").click()
    success(sally)
    assert Enrolment.objects.filter(plan=plan).count() == len(centre.candidates)

    root.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    session = root.locator(f"form[action='/cert/plans/{plan.pk}/sessions/']")
    session.locator("#id_name").fill("第一场")
    session.locator("#id_starts_at").fill(local(now - dt.timedelta(minutes=20)))
    session.locator("#id_ends_at").fill(local(now + dt.timedelta(hours=6)))
    session.locator("button[type=submit]").click()
    success(root)
    root.click(f"form[action='/cert/plans/{plan.pk}/schedule/'] button[type=submit]")
    success(root)
    assert Seat.objects.filter(session__plan=plan).count() == len(centre.candidates)
    centre.screenshot(root, "plan")


# Two single-choice questions in Moodle XML, as Moodle exports them (written here, not copied).
MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/消防</text></category></question>
  <question type="multichoice">
    <name><text>灭火器</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>扑救电气火灾应使用哪种灭火器？</p>]]></text>
    </questiontext>
    <defaultgrade>5</defaultgrade>
    <single>true</single>
    <answer fraction="100" format="html"><text>二氧化碳灭火器</text></answer>
    <answer fraction="0" format="html"><text>清水灭火器</text></answer>
    <answer fraction="0" format="html"><text>泡沫灭火器</text></answer>
  </question>
  <question type="multichoice">
    <name><text>报警电话</text></name>
    <questiontext format="html"><text><![CDATA[<p>火警电话是多少？</p>]]></text></questiontext>
    <defaultgrade>5</defaultgrade>
    <single>true</single>
    <answer fraction="100" format="html"><text>119</text></answer>
    <answer fraction="0" format="html"><text>110</text></answer>
    <answer fraction="0" format="html"><text>120</text></answer>
  </question>
</quiz>
"""
RIGHT_ANSWERS = ("二氧化碳灭火器", "119")


def question_bank(centre: Centre) -> None:
    """The organisation makes the subject (科目) and imports its questions (题库导入)."""
    from questionbank.models import Question

    root = centre.page("root")
    root.goto(centre.url("/questionbank/"))
    root.fill("#id_code", "SAFE-THEORY")
    root.fill("#id_name", "安全生产理论")
    root.click("main form button[type=submit]")
    root.wait_for_url("**/questionbank/SAFE-THEORY/")
    root.goto(centre.url("/questionbank/SAFE-THEORY/import/"))
    root.set_input_files(
        "#id_file",
        {"name": "fire.xml", "mimeType": "text/xml", "buffer": MOODLE_XML.encode("utf-8")},
    )
    root.click("main button[type=submit]")
    wait_for_job(root)
    root.click("#report form button[type=submit]")  # import these questions
    wait_for_job(root)
    root.wait_for_selector("[data-code=imported]")
    assert Question.objects.filter(subject__code="SAFE-THEORY").count() == 2


def formal_exam(centre: Centre) -> None:
    """The organisation makes the formal exam (正式考试) and its fixed paper from the bank."""
    from exams.models import Exam
    from questionbank.models import Subject

    now = timezone.now()
    root = centre.page("root")
    root.goto(centre.url("/exam/manage/new/"))
    root.fill("#id_code", "SAFE-2026-FORMAL")
    root.fill("#id_title", "安全生产理论 正式考试")
    root.select_option("#id_kind", "formal")
    root.select_option("#id_subject", str(Subject.objects.get(code="SAFE-THEORY").pk))
    root.fill("#id_opens_at", local(now - dt.timedelta(minutes=10)))
    root.fill("#id_closes_at", local(now + dt.timedelta(hours=5)))
    root.fill("#id_duration_minutes", "60")
    root.click("main form button[type=submit]")
    root.wait_for_selector("#paper-problems")
    exam = Exam.objects.get(code="SAFE-2026-FORMAL")
    assert exam.requires_identity and exam.requires_camera

    root.goto(centre.url(f"/exam/manage/{exam.pk}/paper/"))
    for box in root.locator("input[id^=add-]").all():
        box.check()
    root.click(f"form[action='/exam/manage/{exam.pk}/paper/add/'] button[type=submit]")
    root.wait_for_selector("#paper-items")
    assert exam.paper_items.count() == 2
    centre.screenshot(root, "paper")


def online_registration(centre: Centre) -> None:
    """The plan's session is taken in the formal exam: its seats become the exam's
    registrations (a background job), with the seat's room."""
    from certification.models import ExamPlan
    from exams.models import Exam, Registration

    plan = ExamPlan.objects.get(code="PLAN-2026-01")
    exam = Exam.objects.get(code="SAFE-2026-FORMAL")
    session = plan.sessions.get()
    root = centre.page("root")
    root.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    link = root.locator(f"form[action='/cert/plans/{plan.pk}/sessions/{session.pk}/exam/']")
    link.locator("select[name=exam]").select_option(str(exam.pk))
    link.locator("button[type=submit]").click()
    wait_for_job(root)
    registrations = Registration.objects.filter(exam=exam)
    assert registrations.count() == len(centre.candidates)
    assert {r.room.code for r in registrations} == {"R101"}


def passcodes_sent(centre: Centre) -> None:
    """Technical support schedules the passcode SMS (考试口令); each candidate gets their own,
    sent at once because the usual time (18:00 the day before) has passed."""
    from exams.models import Exam

    exam = Exam.objects.get(code="SAFE-2026-FORMAL")
    root = centre.page("root")
    root.goto(centre.url(f"/support/passcodes/{exam.pk}/"))
    root.click("main button[type=submit]")
    root.wait_for_selector(".message.success")
    bodies = [message_to(centre.outbox, candidate_phone(n)) for n in range(len(centre.candidates))]
    assert len(set(bodies)) == len(bodies), "each candidate has a passcode of their own"


def bulk_faces(centre: Centre) -> None:
    """The site enrols every candidate's face from the registered photo (考生人脸, 批量采集)."""
    from vision.models import FaceEnrolment

    sally = centre.page("sally")
    sally.goto(centre.url("/vision/staff/faces/"))
    sally.click("#bulk-enrolment button[type=submit]")
    wait_for_job(sally)
    centre.screenshot(sally, "bulk-faces")
    enrolled = FaceEnrolment.objects.filter(status="enrolled")
    assert enrolled.count() == len(centre.candidates), sally.inner_text("main")


def candidate_exam(centre: Centre) -> None:
    """The proctor opens the room's console (监考台); the candidate signs in, passes the face
    check against the enrolled photo, answers and submits; the proctor sees the tile go from
    answering to graded."""
    from centres.models import Room
    from exams.models import Attempt

    name, number, _photo = centre.candidates[0]  # the person the fake camera shows
    room = Room.objects.get(code="R101")
    proctor = centre.page("petra")
    proctor.goto(centre.url("/proctor/"))
    proctor.click(f"a[href='/proctor/rooms/{room.pk}/']")
    proctor.wait_for_selector("#connection[data-state=live]")

    page = centre.page("candidate")
    page.goto(centre.url("/exam/sign-in/"))
    page.fill("#id_id_number", number)
    # The passcode is the one in the SMS the candidate received.
    sms = message_to(centre.outbox, candidate_phone(0))
    passcode = re.findall(rf"[{passcodes.ALPHABET}]{{{passcodes.PASSCODE_LENGTH}}}", sms)[-1]
    page.fill("#id_passcode", passcode)
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    page.click("button[value=accept]")
    answer_the_consent_step(page)
    # The clip turns its head but does not blink: take the check when it asks for a head turn.
    for _ in range(30):
        page.goto(centre.url("/vision/identity/"))
        if page.get_attribute("#challenge", "data-challenge") == "turn_head":
            break
    page.wait_for_function("() => document.getElementById('camera').videoWidth > 0")
    page.click("#start")
    page.wait_for_selector("#result[data-state=done]", timeout=120_000)
    centre.screenshot(page, "face-check")
    page.click("#continue a")
    page.wait_for_selector("fieldset.question")

    tile = proctor.locator(".tile", has_text=name)
    tile.wait_for(timeout=30_000)
    # The computer's camera streams to the media process; the proctor's tile shows it live.
    page.wait_for_selector("#view1-status[data-state=connected]", timeout=30_000)
    proctor.wait_for_selector(f".tile[data-view1=connected]:has-text('{name}')", timeout=20_000)
    proctor.wait_for_selector(".tile-thumb[data-view='1'] img:not([hidden])", timeout=30_000)
    centre.screenshot(proctor, "console")
    for right in RIGHT_ANSWERS:
        page.locator("fieldset.question label", has_text=right).locator("input").check()
        page.wait_for_selector("#save-status[data-state=saved]")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#submit")
    page.wait_for_selector("#result[data-status=graded]", timeout=60_000)
    proctor.wait_for_selector(".tile[data-status=graded]", timeout=30_000)
    attempt = Attempt.objects.get(registration__candidate__id_number=number)
    assert (attempt.score, attempt.max_score, attempt.identity_method) == (10, 10, "face")


def change_windows(page: Any, plan: Any, **moments: dt.datetime) -> None:
    page.goto(f"{page.url.split('/cert/')[0]}/cert/plans/{plan.pk}/")
    page.click("#change-windows summary")
    for name, moment in moments.items():
        page.fill(f"#id_windows-{name}", local(moment))
    page.click("#change-windows button[type=submit]")
    success(page)


def scores_published(centre: Centre) -> None:
    """The online score is already in the plan (成绩); the organisation collects the scores once
    more, closes score entry and opens publication; the candidate finds the score (成绩查询)."""
    from certification.models import ExamPlan, Score

    plan = ExamPlan.objects.get(code="PLAN-2026-01")
    name, number, _photo = centre.candidates[0]
    wait_for(lambda: Score.objects.filter(enrolment__candidate__id_number=number).exists())
    score = Score.objects.get(enrolment__candidate__id_number=number)
    assert (score.value, score.passed, score.source) == (100, True, "online")

    root = centre.page("root")
    root.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    root.click(f"form[action='/cert/plans/{plan.pk}/scores/collect/'] button[type=submit]")
    success(root)
    minute = timezone.now().replace(second=0, microsecond=0)
    change_windows(
        root,
        plan,
        score_entry_closes=minute,
        publication_opens=minute - dt.timedelta(minutes=1),
    )
    # The results, exported from the plan's page (导出为 Excel), carry the online score.
    from openpyxl import load_workbook

    root.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    with root.expect_download() as download:
        root.click(f"a[href='/cert/plans/{plan.pk}/export.xlsx']")
    exported = io.BytesIO(Path(download.value.path()).read_bytes())
    rows = list(load_workbook(exported, read_only=True).active.values)
    row = next(r for r in rows if r[1] == number)
    assert (row[7], row[11]) == (100, "10/10"), row

    page = centre.page("candidate")
    page.goto(centre.url("/cert/query/"))
    page.fill("#id_id_number", number)
    page.fill("#id_name", name)
    page.click("main button[type=submit]")
    page.wait_for_selector("main table")
    assert "100" in page.inner_text("main table")
    centre.screenshot(page, "score-query")


def certificate_signed_and_verified(centre: Centre) -> None:
    """The plan ends; the organisation signs, the site signs, the organisation stamps (证书签发);
    the candidate downloads the certificate and its QR code opens the verification page."""
    import cv2
    import numpy
    from pypdf import PdfReader

    from certification.models import ExamPlan, IssuedCertificate

    plan = ExamPlan.objects.get(code="PLAN-2026-01")
    name, number, _photo = centre.candidates[0]
    root = centre.page("root")
    change_windows(root, plan, publication_closes=timezone.now().replace(second=0, microsecond=0))
    root.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    root.click(f"form[action='/cert/plans/{plan.pk}/certificates/org-sign/'] button")
    success(root)
    sally = centre.page("sally")
    sally.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    sally.click(f"form[action='/cert/plans/{plan.pk}/certificates/site-sign/'] button")
    success(sally)
    root.goto(centre.url(f"/cert/plans/{plan.pk}/"))
    root.click(f"form[action='/cert/plans/{plan.pk}/certificates/stamp/'] button")
    success(root)
    issued = IssuedCertificate.objects.get(enrolment__candidate__id_number=number)
    assert issued.status == "stamped"
    # The candidate who never sat the exam has no score, so no certificate.
    assert list(
        IssuedCertificate.objects.values_list("enrolment__candidate__id_number", flat=True)
    ) == [number]

    page = centre.page("candidate")
    page.goto(centre.url("/cert/query/"))
    page.fill("#id_id_number", number)
    page.fill("#id_name", name)
    page.click("main button[type=submit]")
    with page.expect_download() as download:
        page.click("main form[action='/cert/download/'] button[type=submit]")
    reader = PdfReader(download.value.path())
    urls = []
    for image in reader.pages[0].images:
        pixels = numpy.frombuffer(image.data, dtype=numpy.uint8)
        decoded = cv2.imdecode(pixels, cv2.IMREAD_GRAYSCALE)
        if decoded is not None:
            text, _points, _ = cv2.QRCodeDetector().detectAndDecode(decoded)
            if text:
                urls.append(text)
    assert len(urls) == 1, f"no QR code found in the certificate: {urls}"
    assert urls[0].endswith(f"/cert/verify/{issued.token}/"), urls[0]
    page.goto(urls[0].replace(urls[0].split("/cert/")[0], centre.live_url))
    assert issued.number in page.inner_text("main")
    centre.screenshot(page, "verified")
