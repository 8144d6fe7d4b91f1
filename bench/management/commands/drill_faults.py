"""Fault drill: N candidates sit an exam against the production shape on loopback while its
parts are killed, and every answer is accounted for afterwards.

The stack is ``bench.exam_load.Stack``: two web processes on one listening socket, a Celery
worker, the beat and a Redis of the drill's own, against the configured PostgreSQL. The
simulated candidates behave as the exam page does (``static/js/exam.js``): an answer counts as
saved only when the server acknowledged it; anything else (a refused connection, a server error,
a busy 503) keeps it to be sent again a second later (or when Retry-After says); while offline
they keep answering and send on their return; the paper locks at the deadline and is submitted
once every answer typed in time is acknowledged or the grace is over.

The faults, in this order, a few seconds apart: one web process killed (SIGKILL) and started
again; every web process killed and started again; the worker killed and started again;
PostgreSQL's connections of the database terminated; Redis killed for ten seconds; one
candidate in ten offline for ten seconds; another one in ten offline across the deadline (five
seconds before it to ten after). Besides: most papers are submitted all at once, each twice at
the same moment (a double click), and one candidate in ten never submits and is left to the
beat's time-out; the worker is killed again just after the mass submission, while it grades.

Printed (``--json`` for a machine): per run, answers acknowledged, stored and lost (acknowledged
but not stored with that value and sequence number), typed but never acknowledged, papers
submitted more than once, attempts not graded a minute after the end, server errors per fault
with the time from the fault to its last error. Exits non-zero on any loss, duplicate or
ungraded paper. The media process is not part of this stack (``bench_media`` covers it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import os
import random
import signal
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from bench.exam_load import ATTEMPT_ID, PASSCODE, Stack, create_data, delete_data
from exams.models import Answer, Attempt, Exam

LOGIN_WINDOW = 20.0
RETRY_SECONDS = 1.0
CLOSED = ("finished", "time_over")  # the attempt takes no more answers


@dataclass
class Run:
    """What one drill run saw, client side."""

    started: float = 0.0
    deadline: float = 0.0  # monotonic time of every attempt's deadline
    grace: float = 0.0
    faults: list[tuple[str, float]] = field(default_factory=list)  # (name, monotonic time)
    errors: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, what)
    busy: int = 0
    acknowledged: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    typed: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    refused_late: int = 0
    signed_in: int = 0
    submitted: set[int] = field(default_factory=set)

    def error(self, what: str) -> None:
        self.errors.append((time.monotonic(), what))


class Command(BaseCommand):
    help = (
        "Kill and restart the platform's processes under an exam's load; account for every answer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candidates", type=int, default=60)
        parser.add_argument("--runs", type=int, default=1)
        parser.add_argument("--save-interval", type=float, default=3.0)
        parser.add_argument(
            "--deadline-after",
            type=float,
            default=130.0,
            help="seconds from the start to every attempt's deadline",
        )
        parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # Stopped from outside, the stack is still taken down (finally clauses run).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        if options["deadline_after"] < 110:
            raise CommandError("--deadline-after must leave room for the faults: at least 110 s.")
        reports = [self._run(number, options) for number in range(1, options["runs"] + 1)]
        failed = [r for r in reports if r["failed"]]
        if options["json"]:
            self.stdout.write(json.dumps(reports, indent=2, ensure_ascii=False))
        else:
            for report in reports:
                self.stdout.write(_table(report))
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(reports)} runs lost or duplicated something."
            )

    def _run(self, number: int, options: dict[str, Any]) -> dict[str, Any]:
        tag = timezone.now().strftime("%H%M%S")
        grace = float(settings.EXAM_SAVE_GRACE_SECONDS)
        # Starting the stack takes a while: the deadline is set once it is up.
        exam, people = create_data(tag, options["candidates"])
        stack = Stack(web_processes=2, server=options["server"], beat=True, own_redis=True)
        run = Run(grace=grace)
        try:
            run.started = time.monotonic() + 1.0
            run.deadline = run.started + options["deadline_after"]
            closes = timezone.now() + dt.timedelta(seconds=1.0 + options["deadline_after"])
            Exam.objects.filter(pk=exam.pk).update(closes_at=closes)
            connection.close()  # the drill terminates connections; this one reopens when needed
            asyncio.run(_drive(stack, people, run, options))
            graded = _wait_until_graded(exam, timeout=grace + 15 + 60)
            report = _report(number, exam, run, graded, options)
            report["processes_started"] = dict(stack.starts)
            return report
        finally:
            stack.stop()
            delete_data(exam)


async def _drive(stack: Stack, people: list[str], run: Run, options: dict[str, Any]) -> None:
    candidates = [
        _candidate(stack.url, number, index, run, options) for index, number in enumerate(people)
    ]
    await asyncio.gather(_faults(stack, run), *candidates)


async def _at(run: Run, seconds: float) -> None:
    await asyncio.sleep(max(0.0, run.started + seconds - time.monotonic()))


async def _faults(stack: Stack, run: Run) -> None:
    def mark(name: str) -> None:
        run.faults.append((name, time.monotonic()))

    async def off_loop(function: Any, *args: Any) -> None:
        await asyncio.to_thread(function, *args)

    await _at(run, 30)
    mark("one web process killed")
    await off_loop(stack.kill_web, 0)
    stack.restart_web(0)
    await _at(run, 45)
    mark("every web process killed")
    for index in range(len(stack.web)):
        await off_loop(stack.kill_web, index)
    await asyncio.sleep(2)
    for index in range(len(stack.web)):
        stack.restart_web(index)
    await _at(run, 60)
    mark("worker killed")
    await off_loop(stack.kill_worker)
    await asyncio.sleep(2)
    stack.restart_worker()
    await _at(run, 70)
    mark("PostgreSQL connections terminated")
    await off_loop(_terminate_connections)
    await _at(run, 80)
    mark("Redis killed for 10 s")
    await off_loop(stack.kill_redis)
    await asyncio.sleep(10)
    await off_loop(stack.start_redis)
    await _at(run, 100)
    mark("one candidate in ten offline for 10 s")
    await asyncio.sleep(max(0.0, run.deadline - 9.5 - time.monotonic()))
    mark("worker killed after the mass submission")
    await off_loop(stack.kill_worker)
    await asyncio.sleep(2)
    stack.restart_worker()
    await asyncio.sleep(max(0.0, run.deadline - 5 - time.monotonic()))
    mark("one candidate in ten offline across the deadline")


def _wait_until_graded(exam: Exam, timeout: float) -> bool:
    """Whether every attempt is graded in time: those left answering are submitted by the beat's
    time-out once deadline and grace have passed (every 15 s), then graded."""
    deadline = time.monotonic() + timeout
    open_states = ("answering", "submitted")
    while time.monotonic() < deadline:
        if not Attempt.objects.filter(registration__exam=exam, status__in=open_states).exists():
            return True
        time.sleep(1)
    return False


def _terminate_connections() -> None:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connections["default"].close()


async def _candidate(url: str, number: str, index: int, run: Run, options: dict[str, Any]) -> None:
    import aiohttp

    async with aiohttp.ClientSession(
        base_url=url,
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for an IP-address host
        headers={"X-Forwarded-For": f"127.{1 + index // 65536}.{index // 256 % 256}.{index % 256}"},
        timeout=aiohttp.ClientTimeout(total=15),
    ) as client:
        await _sit(client, number, index, run, options)


async def _sit(client: Any, number: str, index: int, run: Run, options: dict[str, Any]) -> None:
    import aiohttp

    rng = random.Random(index)  # noqa: S311 (load pattern, not secrets)
    group = index % 10  # 1: offline for 10 s; 2: offline across the deadline; 3: never submits
    offline = [(run.started + 100, run.started + 110)] if group == 1 else []
    if group == 2:
        offline = [(run.deadline - 5, run.deadline + 10)]

    def is_offline() -> bool:
        now = time.monotonic()
        return any(start <= now < end for start, end in offline)

    def cookie(name: str) -> str:
        return next((c.value for c in client.cookie_jar if c.key == name), "")

    async def once(method: str, path: str, **kw: Any) -> tuple[int, str, float]:
        """One request: (status, body, seconds to wait before trying again: 0 = don't)."""
        try:
            async with client.request(method, path, allow_redirects=False, **kw) as reply:
                body = await reply.text()
                retry = reply.headers.get("Retry-After", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            run.error(f"{method} {path.split('/')[1]}: {type(exc).__name__}")
            return 0, "", RETRY_SECONDS
        if reply.status in (429, 503) and retry.isdigit():
            run.busy += 1
            return reply.status, body, float(retry)
        if reply.status >= 500:
            run.error(f"{method} {path.split('/')[1]}: HTTP {reply.status}")
            return reply.status, body, RETRY_SECONDS
        return reply.status, body, 0.0

    async def until(method: str, path: str, expect: int, give_up: float, **kw: Any) -> str | None:
        while time.monotonic() < give_up:
            status, body, wait = await once(method, path, **kw)
            if status == expect:
                return body
            if not wait:
                run.error(f"{method} {path.split('/')[1]}: unexpected HTTP {status}")
                return None
            await asyncio.sleep(wait * rng.uniform(1.0, 1.3))
        return None

    give_up = run.deadline + run.grace
    await asyncio.sleep(max(0.0, run.started + rng.uniform(0, LOGIN_WINDOW) - time.monotonic()))
    if await until("GET", "/exam/sign-in/", 200, give_up) is None:
        return
    credentials = {"csrfmiddlewaretoken": cookie("csrftoken"), "id_number": number}
    credentials["passcode"] = PASSCODE
    if await until("POST", "/exam/sign-in/", 302, give_up, data=credentials) is None:
        return
    form = {"csrfmiddlewaretoken": cookie("csrftoken")}
    for path, data in [
        ("/exam/", None),
        ("/exam/info/", form),
        ("/exam/commitment/", {**form, "decision": "accept"}),
    ]:
        method = "GET" if data is None else "POST"
        if await until(method, path, 302, give_up, data=data) is None:
            return
    page = await until("GET", "/exam/answer/", 200, give_up)
    if page is None:
        return
    run.signed_in += 1
    attempt_id = int(ATTEMPT_ID.search(page).group(1))  # type: ignore[union-attr]
    api = f"/api/exam/attempts/{attempt_id}"
    csrf = {"X-CSRFToken": cookie("csrftoken")}
    state = await until("GET", api, 200, give_up)
    if state is None:
        return
    questions = [q["id"] for q in json.loads(state)["questions"]]
    typed: dict[int, tuple[int, str]] = {}
    acked: dict[int, tuple[int, str]] = {}

    async def flush() -> bool:
        """Send every answer the server has not acknowledged; False when one could not go."""
        for question, (seq, choice) in list(typed.items()):
            if acked.get(question) == (seq, choice):
                continue
            status, text, _ = await once(
                "PUT",
                f"{api}/answers/{question}",
                headers=csrf,
                json={"response": choice, "seq": seq},
            )
            refusal = json.loads(text or "{}") if status == 409 else {}
            if status == 200:
                acked[question] = (seq, choice)
                run.acknowledged[(attempt_id, question)] = (seq, choice)
            elif refusal.get("code") == "stale":
                # The server has this sequence number already (its answer to an earlier try was
                # lost with a killed process): as the page does, go above it and send again.
                typed[question] = (max(seq, int(refusal.get("current_seq") or 0)) + 1, choice)
                run.typed[(attempt_id, question)] = typed[question]
                return False
            elif refusal.get("code") in CLOSED:
                run.refused_late += 1
                return False
            else:
                return False
        return True

    # Answering until the paper locks at the deadline (the page's clock).
    submit_at = run.deadline - 10 if group not in (2, 3) else run.deadline + 11
    stop_typing = min(submit_at, run.deadline)
    while True:
        wake = time.monotonic() + options["save_interval"] * rng.uniform(0.8, 1.2)
        if wake >= stop_typing:
            break
        await asyncio.sleep(wake - time.monotonic())
        question = rng.choice(questions)
        seq = typed.get(question, (0, ""))[0] + 1
        typed[question] = (seq, rng.choice("ABCD"))
        run.typed[(attempt_id, question)] = typed[question]
        if not is_offline():
            await flush()
    await asyncio.sleep(max(0.0, submit_at - time.monotonic()))
    while is_offline():
        await asyncio.sleep(0.2)
    # Every answer typed in time acknowledged first, or the grace over.
    while not await flush() and time.monotonic() < give_up - 1:
        await asyncio.sleep(RETRY_SECONDS)
    if group == 3:
        return  # left to the beat's time-out

    # Submitted twice at the same moment, as a double click would.
    async def submit() -> bool:
        return await until("POST", f"{api}/submit", 200, give_up + 15, headers=csrf) is not None

    if any(await asyncio.gather(submit(), submit())):
        run.submitted.add(attempt_id)


def _report(
    number: int, exam: Exam, run: Run, graded: bool, options: dict[str, Any]
) -> dict[str, Any]:
    stored = {
        (a, q): (seq, response)
        for a, q, seq, response in Answer.objects.filter(
            attempt__registration__exam=exam
        ).values_list("attempt_id", "question_id", "seq", "response")
    }
    lost = [key for key, value in run.acknowledged.items() if stored.get(key) != value]
    never_sent = [
        key
        for key, value in run.typed.items()
        if run.acknowledged.get(key) != value and stored.get(key) != value
    ]
    attempts = list(
        Attempt.objects.filter(registration__exam=exam).values_list("pk", "status", flat=False)
    )
    submissions: dict[str, int] = defaultdict(int)
    for target in AuditEntry.objects.filter(
        action="attempt.submitted", target_id__in=[str(pk) for pk, _ in attempts]
    ).values_list("target_id", flat=True):
        submissions[target] += 1
    duplicated = sum(1 for count in submissions.values() if count > 1)
    not_submitted = sum(1 for pk, _ in attempts if submissions.get(str(pk), 0) == 0)
    ungraded = sum(1 for _, status in attempts if status in ("answering", "submitted"))
    faults = []
    marks = [*run.faults, ("end", float("inf"))]
    for (name, at), (_, until) in itertools.pairwise(marks):
        errors = [e for e in run.errors if at <= e[0] < until]
        faults.append(
            {
                "fault": name,
                "at_s": round(at - run.started, 1),
                "server_errors": len(errors),
                "last_error_after_s": round(errors[-1][0] - at, 1) if errors else None,
                "samples": sorted({what for _, what in errors})[:4],
            }
        )
    before = [e for e in run.errors if not run.faults or e[0] < run.faults[0][1]]
    report = {
        "run": number,
        "candidates": options["candidates"],
        "signed_in": run.signed_in,
        "acknowledged_answers": len(run.acknowledged),
        "stored_answers": len(stored),
        "lost_answers": len(lost),
        "typed_never_acknowledged": len(never_sent),
        "refused_after_grace": run.refused_late,
        "attempts": len(attempts),
        "papers_submitted_twice": duplicated,
        "papers_never_submitted": not_submitted,
        "ungraded_a_minute_after": ungraded,
        "busy_answers": run.busy,
        "errors_before_the_faults": len(before),
        "faults": faults,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    report["failed"] = bool(
        lost or never_sent or duplicated or not_submitted or ungraded or not graded
    )
    return report


def _table(report: dict[str, Any]) -> str:
    lines = [
        f"run {report['run']}: {report['candidates']} candidates, {report['signed_in']} signed in; "
        f"{report['acknowledged_answers']} answers acknowledged, "
        f"{report['stored_answers']} stored, "
        f"{report['lost_answers']} lost, {report['typed_never_acknowledged']} typed but never "
        f"acknowledged; {report['papers_submitted_twice']} papers submitted twice, "
        f"{report['papers_never_submitted']} never, {report['ungraded_a_minute_after']} ungraded "
        f"a minute after; {report['busy_answers']} busy answers; processes started: "
        + ", ".join(f"{kind} {n}" for kind, n in report.get("processes_started", {}).items()),
        f"{'fault':<52}{'at s':>6}{'errors':>8}{'last after s':>14}",
    ]
    for fault in report["faults"]:
        last = fault["last_error_after_s"]
        lines.append(
            f"{fault['fault']:<52}{fault['at_s']:>6}{fault['server_errors']:>8}"
            f"{'' if last is None else last:>14}"
        )
    lines.append("FAILED" if report["failed"] else "ok")
    return "\n".join(lines)
