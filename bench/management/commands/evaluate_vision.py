"""``manage.py evaluate_vision [--subset ci] [--only TEXT] [--save-frames DIR] [--json]``: the
accuracy of the camera rules on the labelled scenario corpus (``bench.vision_corpus``),
replayed at the production cadence through frame analysis and the alert rules
(``bench.vision_replay``). Prints per-rule precision and recall, the share of honest sessions
with a medium or high flag, false flags per honest session-hour, and the same per face of the
data. An evaluation, not a test: the figures go into docs/ai-evaluation.md with the machine
they were measured on; the test suite replays the small ``ci`` subset with thresholds
(tests/vision/test_vision_evaluation.py).

It lives with the benchmarks: it needs the shared photos and footage, which an installed
platform does not carry, and it measures the rules rather than serving anyone.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bench import vision_corpus, vision_replay


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


class Command(BaseCommand):
    help = "Per-rule precision and recall of the camera alerts on the scenario corpus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subset", choices=["full", "ci"], default="full")
        parser.add_argument("--only", default="", help="replay scenarios whose name has this")
        parser.add_argument("--honest-per-person", type=int, default=4)
        parser.add_argument("--honest-seconds", type=float, default=180.0)
        parser.add_argument("--attack-repeats", type=int, default=2)
        parser.add_argument("--flags", action="store_true", help="list every session's flags")
        parser.add_argument(
            "--save-frames", type=Path, help="also write each analysed frame (JPEG) under DIR"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subset"] == "ci":
            scenarios = vision_corpus.ci_manifest()
        else:
            scenarios = vision_corpus.manifest(
                honest_per_person=options["honest_per_person"],
                honest_seconds=options["honest_seconds"],
                attack_repeats=options["attack_repeats"],
            )
        scenarios = [s for s in scenarios if options["only"] in s.name]
        started = time.perf_counter()

        def progress(outcome: vision_replay.Outcome) -> None:
            if options["flags"] and not options["json"]:
                flags = ", ".join(
                    f"{f.kind}(sev {f.severity}, {f.opened:.0f}-{f.last_seen:.0f} s)"
                    for f in outcome.flags
                )
                self.stdout.write(f"{outcome.scenario.name}: {flags or 'no flag'}")
            else:
                sys.stderr.write(".")
                sys.stderr.flush()

        outcomes = vision_replay.replay(
            scenarios, progress=progress, frames_dir=options["save_frames"]
        )
        sys.stderr.write("\n")
        report = vision_replay.score(outcomes)
        report["wall_s"] = round(time.perf_counter() - started, 1)
        if options["json"]:
            report["sessions"] = [
                {
                    "name": o.scenario.name,
                    "frames": o.frames,
                    "flags": [f.__dict__ for f in o.flags],
                }
                for o in outcomes
            ]
            self.stdout.write(json.dumps(report, indent=2))
            return
        self._print(report)

    def _print(self, r: dict[str, Any]) -> None:
        out = self.stdout.write
        cadence = r["cadence"]
        out(
            f"{r['scenarios']} sessions, {r['frames']} frames at one per "
            f"{cadence['sample_every_s']:g} s, {r['cpu_ms_per_frame']} ms CPU per frame "
            f"(analysis), {r['wall_s']} s wall"
        )
        out(
            f"attacks caught: {r['attacks_caught']}/{r['attacks']} "
            f"({_pct(r['attack_recall'])}; goal at least 95 %)"
        )
        for name, a in r["per_attack"].items():
            out(f"  {name:24} {a['caught']}/{a['sessions']}")
        out(
            f"honest sessions with a medium or high flag: "
            f"{r['honest_sessions_flagged_medium_or_high']}/{r['honest_sessions']} "
            f"({_pct(r['honest_flagged_share'])}; goal at most 2 %) over "
            f"{r['honest_hours']} h"
        )
        out(
            f"false flags per honest session-hour: {r['false_flags_per_honest_hour']} "
            f"(medium or high: {r['false_medium_or_high_per_honest_hour']})"
        )
        out(f"{'rule':18} {'precision':>10} {'recall':>8} {'true':>5} {'false':>6} {'delay':>6}")
        for kind, s in r["rules"].items():
            delay = "-" if s["mean_delay_s"] is None else f"{s['mean_delay_s']:g} s"
            out(
                f"{kind:18} {_pct(s['precision']):>10} {_pct(s['recall']):>8} "
                f"{s['true_flags']:>5} {s['false_flags']:>6} {delay:>6}"
            )
        out("per face (the face the camera shows):")
        for face, f in r["per_face"].items():
            out(
                f"  {face:20} attacks {f['attacks_caught']}/{f['attacks']}, honest flagged "
                f"{f['honest_sessions_flagged_medium_or_high']}/{f['honest_sessions']}, "
                f"false flags/h {f['false_flags_per_honest_hour']}"
            )
