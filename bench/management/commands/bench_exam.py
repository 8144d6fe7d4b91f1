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
import json
import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from bench.exam_load import (
    ATTEMPT_ID,
    PASSCODE,
    Stack,
    cpu_seconds,
    create_data,
    delete_data,
    percentile,
    wait_for_grading,
)
from exams.models import Answer, Attempt, Exam

# How long a simulated candidate keeps retrying a request the server answered "busy".
MAX_RETRY_SECONDS = 120


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
        exam, people = create_data(tag, n)
        stack: Stack | None = None
        try:
            url = options["url"]
            if not url:
                stack = Stack(
                    web_processes=options["web_processes"],
                    server=options["server"],
                    own_redis=False,
                )
                url = stack.url
            servers = stack.processes() if stack else []
            started = time.monotonic()
            server_cpu = cpu_seconds(servers)
            own_cpu = _own_cpu_seconds()
            outcome = asyncio.run(_run_load(url, people, options))
            elapsed = time.monotonic() - started
            outcome.cpu = {
                "server_processes_s": round(cpu_seconds(servers) - server_cpu, 1),
                "load_generator_s": round(_own_cpu_seconds() - own_cpu, 1),
            }
            wait_for_grading(exam, timeout=60)
            report = _report(n, elapsed, outcome, _verify(exam, outcome), options)
        finally:
            if stack is not None:
                stack.stop()
            if not options["keep"]:
                delete_data(exam)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_table(report))


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


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
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
            "p95_ms": round(percentile(everything, 0.95) * 1000, 1) if everything else None,
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
            "p95_s": round(percentile(outcome.delayed, 0.95), 1) if outcome.delayed else None,
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
