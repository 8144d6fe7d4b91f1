"""Demo data for the embedded default: an exam site with two rooms, staff in every role, three
candidates and a trial and a formal exam that are open now. Running it again refreshes the exam
windows and passwords without creating duplicates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.models import Candidate
from centres.models import Room, Site
from exams.models import Exam, Question, Registration

STAFF_PASSWORD = "demo-pass-2026"  # noqa: S105  (demo data, printed for the user)

STAFF = [
    # username, name, role, site?, rooms
    ("admin", "平台管理员", None, False, []),
    ("org", "评价组织 王老师", Role.ORG_ADMIN, False, []),
    ("siteadmin", "站点管理员 李老师", Role.SITE_ADMIN, True, []),
    ("proctor_a", "监考 张老师", Role.PROCTOR, True, ["A01"]),
    ("proctor_b", "监考 赵老师", Role.PROCTOR, True, ["B01"]),
    ("inspector", "督查组 陈老师", Role.INSPECTOR, False, []),
]

CANDIDATES = [
    # first 17 digits of the ID number (the check character is computed), name, room
    ("11010519900307201", "王小明", "A01"),
    ("44030419951212302", "李华", "A01"),
    ("31010120000101403", "张伟", "B01"),
]

QUESTIONS = [
    (
        "电工作业前，首先应当做的是：",
        [("A", "直接开始作业"), ("B", "验电并确认已断电"), ("C", "通知家属"), ("D", "更换工具")],
        "B",
    ),
    (
        "我国安全生产工作的方针是：",
        [
            ("A", "安全第一、预防为主、综合治理"),
            ("B", "效益优先"),
            ("C", "先生产后安全"),
            ("D", "以罚代管"),
        ],
        "A",
    ),
    (
        "灭火器压力表指针位于哪个区域表示压力正常？",
        [("A", "红色区域"), ("B", "黄色区域"), ("C", "绿色区域"), ("D", "任意区域")],
        "C",
    ),
]


class Command(BaseCommand):
    help = "Create or refresh the demo exam site, staff, candidates and exams."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            summary = self._seed(timezone.now())
        self.stdout.write(summary)

    def _seed(self, now: dt.datetime) -> str:
        site, _ = Site.objects.update_or_create(code="DEMO01", defaults={"name": "示范考核站点"})
        rooms = {
            code: Room.objects.update_or_create(site=site, code=code, defaults={"name": name})[0]
            for code, name in [("A01", "线上考场 A"), ("B01", "线上考场 B")]
        }
        for username, name, role, at_site, room_codes in STAFF:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name = name
            user.role = role or Role.ORG_ADMIN
            user.is_superuser = user.is_staff = role is None
            user.site = site if at_site else None
            user.locked_at, user.failed_logins = None, 0
            user.set_password(STAFF_PASSWORD)
            user.save()
            for code in room_codes:
                rooms[code].proctors.add(user)

        exams = {
            "trial": self._exam(
                "DEMO-TRIAL", "安全生产知识（试考）", Exam.Kind.TRIAL, "123456", now
            ),
            "formal": self._exam(
                "DEMO-FORMAL", "安全生产知识（正式考试）", Exam.Kind.FORMAL, "654321", now
            ),
        }
        lines = []
        for first17, name, room_code in CANDIDATES:
            number = first17 + idnumber.check_character(first17)
            candidate = Candidate.objects.filter(id_number=number).first()
            if candidate is None:
                user = User.objects.create(
                    username=f"cand-{number[-6:]}", role=Role.CANDIDATE, first_name=name
                )
                user.set_unusable_password()
                user.save()
                candidate = Candidate.objects.create(
                    user=user, id_number=number, name=name, site=site
                )
            User.objects.filter(pk=candidate.user_id).update(locked_at=None, failed_logins=0)
            for exam in exams.values():
                Registration.objects.get_or_create(
                    exam=exam, candidate=candidate, defaults={"room": rooms[room_code]}
                )
            lines.append(f"  {name}  ID {number}  (room {room_code})")

        return "\n".join(
            [
                "Demo data ready.",
                f"Candidates sign in at /exam/sign-in/ — trial passcode {exams['trial'].passcode}, "
                f"formal passcode {exams['formal'].passcode}:",
                *lines,
                f"Staff sign in at /accounts/sign-in/ with password {STAFF_PASSWORD}:",
                *[f"  {username:<10} {name}" for username, name, *_ in STAFF],
            ]
        )

    def _exam(self, code: str, title: str, kind: str, passcode: str, now: dt.datetime) -> Exam:
        exam, _ = Exam.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "kind": kind,
                "passcode": passcode,
                "opens_at": now - dt.timedelta(minutes=5),
                "closes_at": now + dt.timedelta(days=7),
                "duration": dt.timedelta(minutes=90),
            },
        )
        for position, (text, options, answer) in enumerate(QUESTIONS, start=1):
            Question.objects.update_or_create(
                exam=exam,
                position=position,
                defaults={
                    "text": text,
                    "options": [{"key": k, "text": t} for k, t in options],
                    "answer": answer,
                },
            )
        return exam
