"""Replays the scenarios of ``bench.vision_corpus`` through what production runs, and scores
the alerts they raise.

Each sampled frame goes the way of a frame from the media process through the
``vision.analyze_frame`` task: JPEG at the media process' quality, decoded by
``vision.images.load_image``, analysed by ``vision.analysis.analyse`` with the stream's state
and the sample's own clock (so the motion check and the carried-forward identity behave as at
the production cadence), stored as an ``EvidenceFrame`` with its ``FrameAnalysis`` row, and
merged by ``proctoring.alerts.apply`` into real ``Alert`` rows (the open, extend and close
logic, and the identity rule that reads the frames before). Only the image file is not
written. Everything runs in one transaction that is rolled back: the database is left as it
was, and no alert event leaves the process (they are sent after commit).
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bench.vision_corpus import ATTACKS, BY_NAME, Builder, Library, Scenario

# The media process encodes sampled frames at this JPEG quality (proctoring.media.peers).
JPEG_QUALITY = 85
MEDIUM = 2


@dataclass(frozen=True)
class Flag:
    """An alert the session raised: kind, severity, first and last frame (session seconds)."""

    kind: str
    severity: int
    opened: float
    last_seen: float
    count: int
    confidence: float


@dataclass
class Outcome:
    scenario: Scenario
    frames: int
    flags: list[Flag]
    cpu_seconds: float

    def in_window(self, flag: Flag, every: float) -> bool:
        s = self.scenario
        # The frame sampled just after the window still shows the attack's last moment.
        return not s.honest and flag.opened < s.end + every and flag.last_seen >= s.start

    def caught_by(self, kinds: Iterable[str], every: float) -> list[Flag]:
        wanted = set(kinds)
        return [f for f in self.flags if f.kind in wanted and self.in_window(f, every)]


def _jpeg(image: Any) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _attempts(n: int) -> list[Any]:
    """``n`` answering attempts of one throwaway exam (inside the caller's transaction)."""
    from accounts.models import User
    from accounts.roles import Role
    from candidates import idnumber
    from candidates.models import Candidate
    from centres.models import Room, Site
    from exams.models import Attempt, Exam, Registration
    from questionbank.models import Subject

    now = timezone.now()
    site = Site.objects.create(code="EVALVISION", name="Vision evaluation")
    room = Room.objects.create(site=site, code="R1", name="Vision evaluation")
    subject = Subject.objects.create(code="EVALVISION", name="Vision evaluation")
    exam = Exam.objects.create(
        code="EVAL-VISION",
        title="Vision evaluation",
        subject=subject,
        kind=Exam.Kind.FORMAL,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=24),
        duration=dt.timedelta(hours=2),
        requires_identity=False,
    )
    first17 = "11010119000101000"  # a birth date no candidate has
    user = User.objects.create(username="eval-vision", role=Role.CANDIDATE)
    candidate = Candidate.objects.create(
        user=user,
        id_number=first17 + idnumber.check_character(first17),
        name="评测",
        site=site,
    )
    registration = Registration.objects.create(exam=exam, candidate=candidate, room=room)
    return [
        Attempt.objects.create(
            registration=registration, number=i + 1, status="answering", started_at=now
        )
        for i in range(n)
    ]


def _session(
    lib: Library, scenario: Scenario, attempt: Any, rules: Any, frames_dir: Path | None = None
) -> Outcome:
    from proctoring import alerts
    from proctoring.models import Alert, EvidenceFrame, FrameAnalysis
    from vision import analysis
    from vision.images import load_image

    every = settings.WEBRTC_SAMPLE_EVERY_SECONDS
    builder = Builder(lib, scenario)
    enrolled = lib.encoding(BY_NAME[scenario.person].enrolment)
    state = analysis.StreamState()
    thresholds = analysis.Thresholds(
        distance=rules.distance_threshold, looking_away_yaw=rules.looking_away_yaw
    )
    began = timezone.now()
    cpu = 0.0
    frames = 0
    t = 0.0
    while t < scenario.seconds:
        image = builder.frame(t)
        mark = time.process_time()
        jpeg = _jpeg(image)
        image = load_image(jpeg)
        result = analysis.analyse(
            image, view=1, enrolled=enrolled, state=state, thresholds=thresholds, now=1e6 + t
        )
        cpu += time.process_time() - mark
        if frames_dir is not None:
            path = frames_dir / scenario.name.replace("/", "-") / f"{int(t):05d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(jpeg)
        at = began + dt.timedelta(seconds=t)
        frame = EvidenceFrame.objects.create(attempt=attempt, view=1, image="", captured_at=at)
        FrameAnalysis.objects.create(frame=frame, result=result.to_json())
        alerts.apply(attempt, result, at=at, evidence=frame, rules=rules)
        frames += 1
        t += every
    flags = [
        Flag(
            kind=a.kind,
            severity=a.severity,
            opened=(a.opened_at - began).total_seconds(),
            last_seen=(a.last_seen_at - began).total_seconds(),
            count=a.count,
            confidence=round(a.confidence, 3),
        )
        for a in Alert.objects.filter(attempt=attempt).order_by("opened_at", "pk")
    ]
    return Outcome(scenario, frames, flags, cpu)


def replay(
    scenarios: list[Scenario],
    *,
    lib: Library | None = None,
    progress: Callable[[Outcome], None] | None = None,
    frames_dir: Path | None = None,
) -> list[Outcome]:
    """Replay every scenario (in one rolled-back transaction) with the default rule profile;
    with ``frames_dir``, each sampled frame is also written there as the JPEG analysed."""
    from proctoring.alerts import rules_for

    lib = lib or Library()
    outcomes = []
    with transaction.atomic():
        attempts = _attempts(len(scenarios))
        rules = rules_for(attempts[0].registration.exam) if attempts else None
        for scenario, attempt in zip(scenarios, attempts, strict=True):
            outcome = _session(lib, scenario, attempt, rules, frames_dir)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
        transaction.set_rollback(True)
    return outcomes


# -- scoring ------------------------------------------------------------------------------------


@dataclass
class RuleScore:
    true_flags: int = 0
    false_flags: int = 0
    attacks: int = 0
    caught: int = 0
    delays: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        flagged = self.true_flags + self.false_flags
        return {
            "precision": round(self.true_flags / flagged, 3) if flagged else None,
            "recall": round(self.caught / self.attacks, 3) if self.attacks else None,
            "true_flags": self.true_flags,
            "false_flags": self.false_flags,
            "attacks": self.attacks,
            "caught": self.caught,
            "mean_delay_s": round(sum(self.delays) / len(self.delays), 1) if self.delays else None,
        }


def _score(outcomes: list[Outcome], every: float) -> dict[str, Any]:
    rules: dict[str, RuleScore] = defaultdict(RuleScore)
    attacks = caught = 0
    honest = honest_flagged = 0
    honest_seconds = 0.0
    honest_flags = honest_medium = 0
    per_attack: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    frames = 0
    cpu = 0.0
    for o in outcomes:
        s = o.scenario
        frames += o.frames
        cpu += o.cpu_seconds
        attack = ATTACKS.get(s.attack)
        for f in o.flags:
            if attack is not None and o.in_window(f, every):
                if f.kind in attack.expected:
                    rules[f.kind].true_flags += 1
                elif f.kind not in attack.tolerated:
                    rules[f.kind].false_flags += 1
            else:
                rules[f.kind].false_flags += 1
        if attack is None:
            honest += 1
            honest_seconds += o.frames * every
            honest_flags += len(o.flags)
            medium = [f for f in o.flags if f.severity >= MEDIUM]
            honest_medium += len(medium)
            honest_flagged += bool(medium)
            continue
        attacks += 1
        hits = o.caught_by(attack.expected, every)
        caught += bool(hits)
        per_attack[s.attack][0] += 1
        per_attack[s.attack][1] += bool(hits)
        for kind in attack.expected:
            rules[kind].attacks += 1
            kind_hits = [f for f in hits if f.kind == kind]
            if kind_hits:
                rules[kind].caught += 1
                rules[kind].delays.append(max(0.0, kind_hits[0].opened - s.start))
    hours = honest_seconds / 3600
    return {
        "scenarios": len(outcomes),
        "frames": frames,
        "cpu_ms_per_frame": round(1000 * cpu / frames, 1) if frames else None,
        "attacks": attacks,
        "attacks_caught": caught,
        "attack_recall": round(caught / attacks, 3) if attacks else None,
        "per_attack": {
            k: {"sessions": n, "caught": c, "recall": round(c / n, 3)}
            for k, (n, c) in sorted(per_attack.items())
        },
        "honest_sessions": honest,
        "honest_hours": round(hours, 3),
        "honest_sessions_flagged_medium_or_high": honest_flagged,
        "honest_flagged_share": round(honest_flagged / honest, 3) if honest else None,
        "false_flags_per_honest_hour": round(honest_flags / hours, 2) if hours else None,
        "false_medium_or_high_per_honest_hour": round(honest_medium / hours, 2) if hours else None,
        "rules": {k: v.as_dict() for k, v in sorted(rules.items())},
    }


def score(outcomes: list[Outcome]) -> dict[str, Any]:
    """The figures of ``evaluate_vision``: overall, per rule, and per face the camera shows."""
    every = settings.WEBRTC_SAMPLE_EVERY_SECONDS
    report = _score(outcomes, every)
    by_face: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_face[o.scenario.footage].append(o)
    report["per_face"] = {face: _score(group, every) for face, group in sorted(by_face.items())}
    report["cadence"] = {
        "sample_every_s": every,
        "full_analysis_every_s": settings.VISION_FULL_ANALYSIS_EVERY_SECONDS,
    }
    return report
