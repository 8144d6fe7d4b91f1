"""Load benchmark of the exam engine: N candidates against the real ASGI server on loopback.

Candidates sign in within ``--login-window`` seconds of a synchronised start, walk the flow
(information, commitment letter), load their paper, save an answer every ``--save-interval``
seconds and all submit within the last ``--submit-window`` seconds. Afterwards every answer
the server acknowledged is checked against PostgreSQL. Prints latency percentiles per request
type, errors and the verification as JSON (``--json``) or a table.

The server runs with the settings of this command's environment (``DJANGO_SETTINGS_MODULE``,
``DATABASE_URL``, ``REDIS_URL``), as ``--web-processes`` Daphne processes sharing one listening
socket, plus one Celery worker for grading. Candidates send distinct ``X-Forwarded-For``
addresses (the server trusts one proxy), as they would arrive from their own homes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.models import Candidate
from centres.models import Room, Site
from exams import passcodes
from exams.models import Answer, Attempt, Exam, PaperItem, Registration
from questionbank.models import Question, Subject

PASSCODE = "BENCH-2468"
# How long a simulated candidate keeps retrying a request the server answered "busy".
MAX_RETRY_SECONDS = 120
QUESTIONS = 20
ATTEMPT_ID = re.compile(r'data-attempt-id="(\d+)"')


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # 503/429 answers with Retry-After: the client waited as told and asked again (not errors)
    busy: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # seconds from the first try of a request to its answer, for requests that were told to wait
    delayed: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    # (attempt id, question id) -> (seq, response) of the newest save the server acknowledged
    acknowledged: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    submitted: set[int] = field(default_factory=set)
    cpu: dict[str, float] = field(default_factory=dict)

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{kind}: {detail}")


class Command(BaseCommand):
    help = "Load-test sign-in, answering and submission with N simulated candidates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candidates", type=int, default=300)
        parser.add_argument("--login-window", type=float, default=60.0)
        parser.add_argument(
            "--duration",
            type=float,
            default=180.0,
            help="seconds from the start until the end of the submit window",
        )
        parser.add_argument("--save-interval", type=float, default=5.0)
        parser.add_argument("--submit-window", type=float, default=30.0)
        parser.add_argument("--web-processes", type=int, default=2)
        parser.add_argument(
            "--server",
            choices=["daphne", "uvicorn"],
            default="daphne",
            help="the ASGI server of the web processes (both share one listening socket)",
        )
        parser.add_argument("--url", help="use a running server instead of starting one")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark's data")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["candidates"]
        tag = timezone.now().strftime("%H%M%S")
        exam, people = _create_data(tag, n)
        servers: list[subprocess.Popen[bytes]] = []
        try:
            url = options["url"]
            if not url:
                url, servers = _start_servers(options["web_processes"], options["server"])
            started = time.monotonic()
            server_cpu = _cpu_seconds(servers)
            own_cpu = _own_cpu_seconds()
            outcome = asyncio.run(_run_load(url, people, options))
            elapsed = time.monotonic() - started
            outcome.cpu = {
                "server_processes_s": round(_cpu_seconds(servers) - server_cpu, 1),
                "load_generator_s": round(_own_cpu_seconds() - own_cpu, 1),
            }
            _wait_for_grading(exam, timeout=60)
            report = _report(n, elapsed, outcome, _verify(exam, outcome), options)
        finally:
            for process in servers:
                process.send_signal(signal.SIGTERM)
            for process in servers:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            if not options["keep"]:
                _delete_data(exam)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_table(report))


def _create_data(tag: str, n: int) -> tuple[Exam, list[str]]:
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
            closes_at=now + dt.timedelta(hours=2),
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


def _delete_data(exam: Exam) -> None:
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


def _server_command(server: str, bin_dir: Path, fd: int) -> list[str]:
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


def _start_servers(processes: int, server: str) -> tuple[str, list[subprocess.Popen[bytes]]]:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(2048)
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    env = {**os.environ, "TRUSTED_PROXY_COUNT": "1", "LOG_LEVEL": "WARNING"}
    bin_dir = Path(sys.executable).parent
    base = Path(settings.BASE_DIR)
    servers = [
        subprocess.Popen(  # noqa: S603 (our own executables, fixed arguments)
            _server_command(server, bin_dir, listener.fileno()),
            cwd=base,
            env=env,
            pass_fds=(listener.fileno(),),
            stdout=sys.stderr,
        )
        for _ in range(processes)
    ]
    servers.append(
        subprocess.Popen(  # noqa: S603
            [
                str(bin_dir / "celery"),
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
            ],
            cwd=base,
            env=env,
            stdout=sys.stderr,  # the worker's banner must not mix with the report
        )
    )
    listener.close()  # the servers hold it now
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 (loopback)
                return url, servers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the benchmark's server did not start")


async def _run_load(url: str, people: list[str], options: dict[str, Any]) -> Outcome:
    outcome = Outcome()
    start = time.monotonic() + 1.0
    tasks = [
        _candidate(url, number, index, start, options, outcome)
        for index, number in enumerate(people)
    ]
    await asyncio.gather(*tasks)
    return outcome


async def _candidate(
    url: str, number: str, index: int, start: float, options: dict[str, Any], outcome: Outcome
) -> None:
    import aiohttp

    rng = random.Random(index)  # noqa: S311 (load pattern, not secrets)
    sign_in_at = start + rng.uniform(0, options["login_window"])
    end = start + options["duration"]
    submit_at = end - rng.uniform(0, options["submit_window"])
    address = f"127.{1 + index // 65536}.{index // 256 % 256}.{index % 256}"
    async with aiohttp.ClientSession(
        base_url=url,
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for an IP-address host
        headers={"X-Forwarded-For": address},
        timeout=aiohttp.ClientTimeout(total=30),
    ) as client:

        def cookie(name: str) -> str:
            return next((c.value for c in client.cookie_jar if c.key == name), "")

        async def call(kind: str, method: str, path: str, expect: int, **kw: Any) -> Any:
            # As the exam page does: an overloaded server's 503/429 is waited out for as long as
            # its Retry-After says (plus jitter), then the same request goes again.
            first = time.monotonic()
            retried = False
            while True:
                begun = time.monotonic()
                try:
                    async with client.request(method, path, allow_redirects=False, **kw) as reply:
                        body = await reply.text()
                        retry_after = reply.headers.get("Retry-After", "")
                except (aiohttp.ClientError, TimeoutError) as exc:
                    outcome.fail(kind, repr(exc))
                    return None
                outcome.latencies[kind].append(time.monotonic() - begun)
                if reply.status in (429, 503) and retry_after.isdigit():
                    outcome.busy[kind] += 1
                    if time.monotonic() - first < MAX_RETRY_SECONDS:
                        await asyncio.sleep(int(retry_after) * rng.uniform(1.0, 1.3))
                        retried = True
                        continue
                if reply.status != expect:
                    outcome.fail(kind, f"{reply.status} {body[:120]}")
                    return None
                if retried:
                    outcome.delayed.append(time.monotonic() - first)
                return body

        await asyncio.sleep(max(0.0, sign_in_at - time.monotonic()))
        if await call("sign_in_page", "GET", "/exam/sign-in/", 200) is None:
            return
        credentials = {
            "csrfmiddlewaretoken": cookie("csrftoken"),
            "id_number": number,
            "passcode": PASSCODE,
        }
        if await call("sign_in", "POST", "/exam/sign-in/", 302, data=credentials) is None:
            return
        csrf = cookie("csrftoken")  # signing in rotates the token
        form = {"csrfmiddlewaretoken": csrf}
        for path, data in [
            ("/exam/", None),
            ("/exam/info/", form),
            ("/exam/commitment/", {**form, "decision": "accept"}),
        ]:
            method = "GET" if data is None else "POST"
            if await call("flow_step", method, path, 302, data=data) is None:
                return
        page = await call("exam_page", "GET", "/exam/answer/", 200)
        if page is None:
            return
        attempt_id = int(ATTEMPT_ID.search(page).group(1))  # type: ignore[union-attr]
        api = f"/api/exam/attempts/{attempt_id}"
        headers = {"X-CSRFToken": csrf}
        state = await call("state", "GET", api, 200)
        if state is None:
            return
        question_ids = [q["id"] for q in json.loads(state)["questions"]]
        seqs: dict[int, int] = defaultdict(int)
        while True:
            wake = time.monotonic() + options["save_interval"] * rng.uniform(0.8, 1.2)
            if wake >= submit_at:
                break
            await asyncio.sleep(wake - time.monotonic())
            question = rng.choice(question_ids)
            seqs[question] += 1
            choice = rng.choice("ABCD")
            body = {"response": choice, "seq": seqs[question]}
            path = f"{api}/answers/{question}"
            if await call("save", "PUT", path, 200, headers=headers, json=body) is not None:
                outcome.acknowledged[(attempt_id, question)] = (seqs[question], choice)
        await asyncio.sleep(max(0.0, submit_at - time.monotonic()))
        if await call("submit", "POST", f"{api}/submit", 200, headers=headers) is not None:
            outcome.submitted.add(attempt_id)


def _cpu_seconds(processes: list[subprocess.Popen[bytes]]) -> float:
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


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _wait_for_grading(exam: Exam, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Attempt.objects.filter(registration__exam=exam, status="submitted").exists():
            return
        time.sleep(1)


def _verify(exam: Exam, outcome: Outcome) -> dict[str, Any]:
    stored = {
        (a, q): (seq, response)
        for a, q, seq, response in Answer.objects.filter(
            attempt__registration__exam=exam
        ).values_list("attempt_id", "question_id", "seq", "response")
    }
    lost = [key for key, value in outcome.acknowledged.items() if stored.get(key) != value]
    unacknowledged = [key for key in stored if key not in outcome.acknowledged]
    attempts = Attempt.objects.filter(registration__exam=exam)
    return {
        "acknowledged_answers": len(outcome.acknowledged),
        "stored_answers": len(stored),
        "lost_answers": len(lost),
        "stored_without_acknowledgement": len(unacknowledged),
        "attempts_submitted_by_candidates": len(outcome.submitted),
        "attempts_graded": attempts.filter(status="graded").count(),
        "attempts": attempts.count(),
    }


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(
    n: int, elapsed: float, outcome: Outcome, verification: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any]:
    requests = {}
    everything: list[float] = []
    for kind, values in sorted(outcome.latencies.items()):
        everything += values
        requests[kind] = {
            "count": len(values),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(_percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(_percentile(values, 0.99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "errors": outcome.errors.get(kind, 0),
            "busy": outcome.busy.get(kind, 0),
        }
    return {
        "candidates": n,
        "web_processes": options["web_processes"],
        "server": options["server"],
        "seconds": round(elapsed, 1),
        "requests": requests,
        "all_requests": {
            "count": len(everything),
            "per_second": round(len(everything) / elapsed, 1),
            "p95_ms": round(_percentile(everything, 0.95) * 1000, 1) if everything else None,
        },
        "cpu_seconds": outcome.cpu,
        "server_cpu_ms_per_request": round(
            outcome.cpu.get("server_processes_s", 0) * 1000 / max(1, len(everything)), 2
        ),
        "errors": sum(outcome.errors.values()),
        "error_samples": outcome.error_samples,
        "busy_answers": sum(outcome.busy.values()),
        "delayed_requests": {
            "count": len(outcome.delayed),
            "p95_s": round(_percentile(outcome.delayed, 0.95), 1) if outcome.delayed else None,
            "max_s": round(max(outcome.delayed), 1) if outcome.delayed else None,
        },
        "verification": verification,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }


def _table(report: dict[str, Any]) -> str:
    lines = [
        f"{report['candidates']} candidates, {report['seconds']} s, {report['errors']} errors, "
        f"{report['busy_answers']} busy answers (retried)"
    ]
    lines.append(
        f"{'request':<14}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'busy':>7}"
    )
    for kind, row in report["requests"].items():
        lines.append(
            f"{kind:<14}{row['count']:>7}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{row['errors']:>8}{row['busy']:>7}"
        )
    lines.append(json.dumps(report["verification"]))
    return "\n".join(lines)
