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
from certification import demo as certification_demo
from exams import passcodes
from exams.models import Exam, PaperItem, Registration
from inspections import demo as inspections_demo
from questionbank.models import Question, Subject
from support import demo as support_demo

STAFF_PASSWORD = "demo-pass-2026"  # noqa: S105  (demo data, printed for the user)

STAFF = [
    # username, name, role, site?, rooms
    ("admin", "平台管理员", None, False, []),
    ("org", "评价组织 王老师", Role.ORG_ADMIN, False, []),
    ("siteadmin", "站点管理员 李老师", Role.SITE_ADMIN, True, []),
    ("proctor_a", "监考 张老师", Role.PROCTOR, True, ["A01"]),
    ("proctor_b", "监考 赵老师", Role.PROCTOR, True, ["B01"]),
    ("inspector", "督查组 陈老师", Role.INSPECTOR, False, []),
    ("unit_staff", "示范职业技术学院 招生办 刘老师", Role.UNIT_STAFF, False, []),
    ("district_staff", "金水区招考机构 周老师", Role.UNIT_STAFF, False, []),
]

CANDIDATES = [
    # first 17 digits of the ID number (the check character is computed), name, room
    ("11010519900307201", "王小明", "A01"),
    ("44030419951212302", "李华", "A01"),
    ("31010120000101403", "张伟", "B01"),
]

QUESTIONS = [
    # kind, text, options, answer
    (
        "single",
        "电工作业前，首先应当做的是：",
        [("A", "直接开始作业"), ("B", "验电并确认已断电"), ("C", "通知家属"), ("D", "更换工具")],
        "B",
    ),
    (
        "single",
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
        "multiple",
        "下列属于个人防护用品的有：",
        [("A", "安全帽"), ("B", "绝缘手套"), ("C", "手机"), ("D", "防护眼镜")],
        ["A", "B", "D"],
    ),
    (
        "true_false",
        "灭火器压力表指针位于绿色区域表示压力正常。",
        [("T", "正确"), ("F", "错误")],
        "T",
    ),
    ("fill_in", "我国的火警报警电话是____。", [], [["119"]]),
    (
        "short_answer",
        "简述发现有人触电时的正确处置步骤。",
        [],
        "先切断电源或用绝缘物使其脱离电源，再施救并拨打120。",
    ),
]

# A second bank for the question-bank pages (/questionbank/): every kind, several chapters and
# difficulties. No demo exam draws from it.
BANK_SUBJECT = ("00018", "计算机应用基础")
# fmt: off
BANK_QUESTIONS = [
    # kind, text, options, answer, points, difficulty, chapter
    ("single", "世界上第一台电子数字计算机 ENIAC 诞生于哪一年？",
     [("A", "1936 年"), ("B", "1946 年"), ("C", "1956 年"), ("D", "1966 年")], "B", 1, 2,
     "第一章 计算机基础知识"),
    ("single", "在 Excel 中，求一组数值平均值的函数是：",
     [("A", "SUM"), ("B", "COUNT"), ("C", "AVERAGE"), ("D", "MAX")], "C", 1, 1,
     "第三章 电子表格"),
    ("multiple", "下列属于计算机输入设备的有：",
     [("A", "键盘"), ("B", "鼠标"), ("C", "显示器"), ("D", "扫描仪"), ("E", "打印机")],
     ["A", "B", "D"], 2, 2, "第一章 计算机基础知识"),
    ("multiple", "下列关于计算机病毒的说法，正确的有：",
     [("A", "计算机病毒是一段程序"), ("B", "计算机病毒可以自我复制"),
      ("C", "计算机病毒只感染硬件"), ("D", "安装杀毒软件有助于防范病毒")],
     ["A", "B", "D"], 2, 3, "第五章 信息安全"),
    ("true_false", "关闭计算机电源后，内存（RAM）中的数据会丢失。",
     [("T", "正确"), ("F", "错误")], "T", 1, 1, "第一章 计算机基础知识"),
    ("true_false", "在 Word 中按 Ctrl+S 会关闭当前文档。",
     [("T", "正确"), ("F", "错误")], "F", 1, 1, "第二章 文字处理"),
    ("fill_in", "1 KB 等于____字节，1 字节等于____位。", [], [["1024"], ["8", "八"]], 2, 2,
     "第一章 计算机基础知识"),
    ("fill_in", "在 Excel 中，公式必须以____号开头。", [], [["=", "等于"]], 1, 2,
     "第三章 电子表格"),
    ("short_answer", "简述计算机硬件系统的五大组成部分。", [],
     "运算器、控制器、存储器、输入设备和输出设备。", 5, 3, "第一章 计算机基础知识"),
    ("short_answer", "简述日常使用计算机时防范信息泄露的三项措施。", [],
     "设置强密码并定期更换；不打开来历不明的链接和附件；及时更新系统和杀毒软件。", 5, 4,
     "第五章 信息安全"),
]
# fmt: on


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
        inspections_demo.seed(
            inspector=User.objects.get(username="inspector"),
            university_staff=User.objects.get(username="unit_staff"),
            district_staff=User.objects.get(username="district_staff"),
        )
        self._question_bank()

        exams = {
            "trial": self._exam("DEMO-TRIAL", "安全生产知识（试考）", Exam.Kind.TRIAL, now),
            "formal": self._exam("DEMO-FORMAL", "安全生产知识（正式考试）", Exam.Kind.FORMAL, now),
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
            codes = {}
            for key, exam in exams.items():
                registration, _ = Registration.objects.get_or_create(
                    exam=exam, candidate=candidate, defaults={"room": rooms[room_code]}
                )
                # Each run gives the demo candidates new passcodes, printed like the logins
                # (no SMS is sent); the ones printed last are the ones in force.
                codes[key] = passcodes.issue(registration)
            lines.append(
                f"  {name}  ID {number}  (room {room_code})  "
                f"trial passcode {codes['trial']}  formal passcode {codes['formal']}"
            )
        lines += certification_demo.seed(site, now)
        lines += support_demo.seed(site)

        return "\n".join(
            [
                "Demo data ready.",
                "Candidates sign in at /exam/sign-in/ with their ID number and passcode:",
                *lines,
                f"Staff sign in at /accounts/sign-in/ with password {STAFF_PASSWORD}:",
                *[f"  {username:<10} {name}" for username, name, *_ in STAFF],
            ]
        )

    def _question_bank(self) -> None:
        code, name = BANK_SUBJECT
        subject, _ = Subject.objects.get_or_create(code=code, defaults={"name": name})
        for kind, text, options, answer, points, difficulty, chapter in BANK_QUESTIONS:
            Question.objects.get_or_create(
                subject=subject,
                text=text,
                defaults={
                    "kind": kind,
                    "options": [{"key": k, "text": t} for k, t in options],
                    "answer": answer,
                    "points": points,
                    "difficulty": difficulty,
                    "chapter": chapter,
                    "source": "seed_demo",
                },
            )

    def _exam(self, code: str, title: str, kind: str, now: dt.datetime) -> Exam:
        subject, _ = Subject.objects.get_or_create(code="SAFETY", defaults={"name": "安全生产知识"})
        formal = kind == Exam.Kind.FORMAL
        exam, _ = Exam.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "subject": subject,
                "kind": kind,
                "opens_at": now - dt.timedelta(minutes=5),
                "closes_at": now + dt.timedelta(days=7),
                "duration": dt.timedelta(minutes=90),
                # S3: two attempts, the best counts, leaving the page uses one up.
                "max_attempts": 2 if formal else 1,
                "leave_policy": Exam.LeavePolicy.CONSUME if formal else Exam.LeavePolicy.WARN,
                # The face check (or a manual review by staff) guards the formal exam only, so
                # the trial can be tried at once on a machine without a camera.
                "requires_identity": formal,
            },
        )
        for position, (qkind, text, options, answer) in enumerate(QUESTIONS, start=1):
            question, _ = Question.objects.get_or_create(
                subject=subject,
                text=text,
                defaults={
                    "kind": qkind,
                    "options": [{"key": k, "text": t} for k, t in options],
                    "answer": answer,
                    "points": 2 if qkind in ("multiple", "short_answer") else 1,
                },
            )
            PaperItem.objects.get_or_create(
                exam=exam, question=question, defaults={"position": position}
            )
        return exam
