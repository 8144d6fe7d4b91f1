"""The accuracy of the camera rules does not regress (issue 15, "Done means"): the small ``ci``
subset of the scenario corpus (``bench.vision_corpus.ci_manifest``: three honest sessions and
each scripted attack once, about 160 frames) is replayed by ``evaluate_vision`` at the
production cadence through the real models, the real alert rules and real alert rows, and its
figures must stay at or above what the full evaluation measured (docs/ai-evaluation.md).

The two attacks the rules do not catch today (the data's only phone, cut from a low-resolution
photo, which the int8 detector does not find out of its scene; a printed photo of the enrolled
candidate held in front of an impostor's face, which looks like the candidate to every frame
rule) are listed as known misses: catching them is welcome, and the test says so when it
happens, so the list is kept true."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from bench.vision_corpus import ATTACKS, Scenario
from bench.vision_replay import Flag, Outcome, score
from tests.vision.conftest import shared

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(600)]

KNOWN_MISSES = {"phone", "printed_photo_in_front"}
# Every other scripted attack of the subset is caught, and no honest session gets a medium or
# high flag. Low flags (looking away, all on the talking clip's singer) are allowed up to this
# rate per honest session-hour: the subset measured 20 (two flags in its 6 minutes), the full
# corpus 27; three flags in the subset's 0.1 h are the most that pass.
MAX_LOW_FLAGS_PER_HONEST_HOUR = 30.0


def test_the_ci_subset_keeps_its_recall_and_false_flag_rate() -> None:
    shared("video", "talking_face_640x360_15fps.y4m")
    out = io.StringIO()
    call_command("evaluate_vision", "--subset", "ci", "--json", stdout=out)
    report = json.loads(out.getvalue())

    missed = {name for name, a in report["per_attack"].items() if a["caught"] < a["sessions"]}
    assert set(report["per_attack"]) == set(ATTACKS)
    assert missed <= KNOWN_MISSES, f"attacks no longer caught: {sorted(missed - KNOWN_MISSES)}"
    assert missed == KNOWN_MISSES, (
        f"now caught, take them off KNOWN_MISSES: {sorted(KNOWN_MISSES - missed)}"
    )
    expected_recall = (len(ATTACKS) - len(KNOWN_MISSES)) / len(ATTACKS)
    assert report["attack_recall"] >= expected_recall - 1e-9

    assert report["honest_sessions"] == 3
    assert report["honest_sessions_flagged_medium_or_high"] == 0, report["sessions"][:3]
    assert report["false_flags_per_honest_hour"] <= MAX_LOW_FLAGS_PER_HONEST_HOUR
    for kind in ("left_seat", "extra_person", "face_covered", "different_person", "device"):
        assert report["rules"][kind]["precision"] == 1.0, (kind, report["rules"][kind])


def _outcome(scenario: Scenario, *flags: Flag) -> Outcome:
    return Outcome(scenario, int(scenario.seconds // 5), list(flags), 0.0)


def test_the_score_counts_a_flag_only_inside_the_attack_window() -> None:
    attack = Scenario("mask/x/0", "obama", 60, 1, attack="mask", start=15, end=45)
    honest = Scenario("honest/x/0", "obama", 60, 2)
    outcomes = [
        # Before the window: a false flag that catches nothing.
        _outcome(attack, Flag("face_covered", 2, 5, 5, 1, 1.0)),
        # Inside, with a tolerated kind that counts neither way.
        _outcome(
            attack,
            Flag("face_covered", 2, 20, 40, 5, 1.0),
            Flag("different_person", 3, 25, 40, 4, 0.8),
        ),
        _outcome(honest, Flag("looking_away", 1, 30, 30, 1, 0.7)),
        _outcome(honest),
    ]
    report = score(outcomes)
    assert report["attacks"] == 2 and report["attacks_caught"] == 1
    assert report["rules"]["face_covered"] == {
        "precision": 0.5,
        "recall": 0.5,
        "true_flags": 1,
        "false_flags": 1,
        "attacks": 2,
        "caught": 1,
        "mean_delay_s": 5.0,
    }
    assert "different_person" not in report["rules"]
    assert report["honest_sessions"] == 2
    assert report["honest_sessions_flagged_medium_or_high"] == 0
    assert report["false_flags_per_honest_hour"] == pytest.approx(1 / (24 * 5 / 3600), abs=0.01)
    assert report["rules"]["looking_away"]["false_flags"] == 1
