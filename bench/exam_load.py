"""What the exam benchmark (``bench_exam``) and the fault drill (``drill_faults``) share: the
benchmark exam and its candidates in the configured database, and the production shape of the
server on loopback — web processes sharing one listening socket, a Celery worker, optionally
the beat and a Redis of the run's own — with the means to kill and restart each part."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.models import Candidate
from centres.models import Room, Site
from exams import passcodes
from exams.models import Attempt, Exam, PaperItem, Registration
from questionbank.models import Question, Subject

PASSCODE = "BENCH-2468"
QUESTIONS = 20
ATTEMPT_ID = re.compile(r'data-attempt-id="(\d+)"')


def create_data(
    tag: str, n: int, *, closes_at: dt.datetime | None = None
) -> tuple[Exam, list[str]]:
    """A formal exam of ``QUESTIONS`` single-choice questions without identity step, and ``n``
    registered candidates who all sign in with ``PASSCODE``; their ID numbers are returned.
    ``closes_at`` ends the exam window early, which makes it every attempt's deadline."""
    now = timezone.now()
    with transaction.atomic():
        site = Site.objects.create(code=f"BENCH{tag}", name="Benchmark site")
        room = Room.objects.create(site=site, code="R1", name="Benchmark room", capacity=n)
        subject = Subject.objects.create(code=f"BENCH{tag}", name="Benchmark subject")
        exam = Exam.objects.create(
            code=f"BENCH-{tag}",
            title="Benchmark exam",
            subject=subject,
            kind=Exam.Kind.FORMAL,
            opens_at=now - dt.timedelta(minutes=1),
            closes_at=closes_at or now + dt.timedelta(hours=2),
            duration=dt.timedelta(hours=1),
            requires_identity=False,
            leave_policy=Exam.LeavePolicy.LOG,
        )
        questions = Question.objects.bulk_create(
            Question(
                subject=subject,
                kind=Question.Kind.SINGLE,
                text=f"Benchmark question {i}",
                options=[{"key": k, "text": k} for k in "ABCD"],
                answer="A",
            )
            for i in range(QUESTIONS)
        )
        PaperItem.objects.bulk_create(
            PaperItem(exam=exam, question=q, position=i) for i, q in enumerate(questions, start=1)
        )
        # ID numbers from a block no real person has: birth date 1900-01-01, sequence from 000.
        numbers = []
        for i in range(n):
            first17 = f"{110101 + i // 1000}19000101{i % 1000:03d}"
            numbers.append(first17 + idnumber.check_character(first17))
        users = User.objects.bulk_create(
            User(username=f"bench-{tag}-{i}", role=Role.CANDIDATE, password=make_password(None))
            for i in range(n)
        )
        candidates = Candidate.objects.bulk_create(
            Candidate(user=u, id_number=number, name=f"考生{i}", site=site)
            for i, (u, number) in enumerate(zip(users, numbers, strict=True))
        )
        Registration.objects.bulk_create(
            # One known passcode for every simulated candidate (each row its own salt, as in
            # production), so the clients can sign in without reading SMS.
            Registration(
                exam=exam, candidate=c, room=room, passcode_hash=passcodes.make_hash(PASSCODE)
            )
            for c in candidates
        )
    return exam, numbers


def delete_data(exam: Exam) -> None:
    site = Registration.objects.filter(exam=exam).values_list("room__site", flat=True).first()
    users = list(Candidate.objects.filter(registrations__exam=exam).values_list("user", flat=True))
    subject = exam.subject
    with transaction.atomic():
        Attempt.objects.filter(registration__exam=exam).delete()
        exam.delete()
        Question.objects.filter(subject=subject).delete()
        subject.delete()
        Candidate.objects.filter(user__in=users).delete()
        User.objects.filter(pk__in=users).delete()
        if site is not None:
            Room.objects.filter(site_id=site).delete()
            Site.objects.filter(pk=site).delete()


def server_command(server: str, bin_dir: Path, fd: int) -> list[str]:
    if server == "uvicorn":
        # uvloop and httptools, no access log (Daphne's is off at verbosity 0), X-Forwarded-For
        # left to Django (TRUSTED_PROXY_COUNT) as with Daphne; Channels needs no lifespan.
        return [
            str(bin_dir / "uvicorn"),
            "--fd",
            str(fd),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--no-proxy-headers",
            # Uvicorn closes idle keep-alive connections after 5 s, racing the client's next
            # request on them (connection reset); Daphne keeps them longer.
            "--timeout-keep-alive",
            "75",
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "config.asgi:application",
        ]
    return [str(bin_dir / "daphne"), "--fd", str(fd), "--verbosity", "0", "config.asgi:application"]


class Stack:
    """The platform's processes on loopback, as production runs them, each restartable.

    The listening socket stays open in this process for the whole run, so a web process killed
    and started again serves the same address, as under a process supervisor."""

    def __init__(
        self, *, web_processes: int, server: str = "daphne", beat: bool = False, own_redis: bool
    ) -> None:
        self.server = server
        self.bin_dir = Path(sys.executable).parent
        self.base = Path(settings.BASE_DIR)
        self.env = {**os.environ, "TRUSTED_PROXY_COUNT": "1", "LOG_LEVEL": "WARNING"}
        self.redis: subprocess.Popen[bytes] | None = None
        # How many of each were started, the first ones included: the drill's report shows that
        # its faults happened.
        self.starts: dict[str, int] = {"web": 0, "worker": 0, "redis": 0}
        self.redis_port = 0
        self._redis_dir = ""
        if own_redis:
            self.redis_port = _free_port()
            self._redis_dir = tempfile.mkdtemp(prefix="drill-redis-")
            self.start_redis()
            url = f"redis://127.0.0.1:{self.redis_port}/0"
            self.env |= {"REDIS_URL": url, "CELERY_BROKER_URL": url}
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4096)
        self.listener.set_inheritable(True)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.web: list[subprocess.Popen[bytes]] = [self._web() for _ in range(web_processes)]
        self.worker = self._worker()
        self.beat = self._beat() if beat else None
        self.wait_until_up()

    def processes(self) -> list[subprocess.Popen[bytes]]:
        """The platform's own processes (not Redis), for CPU accounting."""
        return [*self.web, self.worker, *([self.beat] if self.beat else [])]

    def _popen(self, command: list[str], **kw: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 (our own executables, fixed arguments)
            command,
            cwd=self.base,
            env=self.env,
            stdout=sys.stderr,  # banners and logs must not mix with the report
            **kw,  # type: ignore[call-overload]
        )

    def _web(self) -> subprocess.Popen[bytes]:
        self.starts["web"] += 1
        fd = self.listener.fileno()
        return self._popen(server_command(self.server, self.bin_dir, fd), pass_fds=(fd,))

    def _worker(self) -> subprocess.Popen[bytes]:
        self.starts["worker"] += 1
        return self._popen(
            [
                str(self.bin_dir / "celery"),
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "-Q",
                "default",
                "--loglevel",
                "WARNING",
                "--without-mingle",
                "--without-gossip",
            ]
        )

    def _beat(self) -> subprocess.Popen[bytes]:
        schedule = Path(tempfile.mkdtemp(prefix="drill-beat-")) / "schedule"
        return self._popen(
            [
                str(self.bin_dir / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(schedule),
            ]
        )

    def start_redis(self) -> None:
        self.starts["redis"] += 1
        self.redis = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._redis_dir,
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait_for_port(self.redis_port)

    def kill_redis(self) -> None:
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait()

    def kill_web(self, index: int) -> None:
        self.web[index].kill()
        self.web[index].wait()

    def restart_web(self, index: int) -> None:
        self.web[index] = self._web()

    def kill_worker(self) -> None:
        self.worker.kill()
        self.worker.wait()

    def restart_worker(self) -> None:
        self.worker = self._worker()

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the benchmark's server did not start")

    def stop(self) -> None:
        everything = [*self.processes(), *([self.redis] if self.redis else [])]
        for process in everything:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in everything:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.listener.close()
        if self._redis_dir:
            shutil.rmtree(self._redis_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def cpu_seconds(processes: list[subprocess.Popen[bytes]]) -> float:
    """User + system CPU time of ``processes`` so far, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in processes:
        try:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def wait_for_grading(exam: Exam, timeout: float) -> bool:
    """Whether every submitted attempt of ``exam`` was graded within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Attempt.objects.filter(registration__exam=exam, status="submitted").exists():
            return True
        time.sleep(1)
    return False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
