"""bench_vision replays what the worker does: one frame per view every
WEBRTC_SAMPLE_EVERY_SECONDS (and at one a second), each stream with its own clock, the stored
JPEG decoded, and the ratio per core against the baseline in CPU time."""

from __future__ import annotations

import json

from django.core.management import call_command

from bench.management.commands import bench_vision
from tests.vision.conftest import shared


def clips(length: int) -> dict[str, list[bench_vision.Source]]:
    return {"clip": [bench_vision.Source(f"clip#{i}", b"", None) for i in range(length)]}


def test_each_stream_is_sampled_at_the_cadence_on_its_own_clock() -> None:
    work = bench_vision.schedule(clips(77), every=5.0, streams=4, seconds=60)
    assert len(work) == 4 * 12
    by_stream: dict[str, list[float]] = {}
    for key, t, _ in work:
        by_stream.setdefault(key, []).append(t)
    assert sorted(by_stream) == ["clip:0", "clip:1", "clip:2", "clip:3"]
    assert all(times == [5.0 * i for i in range(12)] for times in by_stream.values())
    # Ordered as a worker gets them: by time, the streams interleaved.
    assert [t for _, t, _ in work] == sorted(t for _, t, _ in work)


def test_the_clip_plays_back_and_forth_and_every_frame_is_sampled() -> None:
    assert [bench_vision._pingpong(i, 4) for i in range(8)] == [0, 1, 2, 3, 2, 1, 0, 1]
    work = bench_vision.schedule(clips(20), every=1.0, streams=4, seconds=20)
    assert {source.name for _, _, source in work} == {f"clip#{i}" for i in range(20)}


def test_a_short_run_reports_both_cadences_against_the_baseline(capsys, settings) -> None:
    shared("video", "talking_face_640x360_15fps.y4m")
    call_command("bench_vision", "--limit", "4", "--streams", "1", "--seconds", "10", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["baseline"]["frames"] == 8  # 4 frames of each clip, each analysed once
    production, one_fps = out["production_cadence"], out["one_fps"]
    assert production["frames"] == 2 * 2  # a frame at 0 s and at 5 s of each clip's stream
    assert one_fps["frames"] == 2 * 10
    # Samples 5 s apart are each analysed in full; a second apart, the motion check may reuse.
    assert production["frames_reused"] == 0
    assert out["ratio_fps_per_core"] == round(
        production["fps_per_core"] / out["baseline"]["fps_per_core"], 2
    )
    assert out["ratio_fps_per_core_one_fps"] > 0
    assert out["settings"]["sample_every_seconds"] == settings.WEBRTC_SAMPLE_EVERY_SECONDS
    assert out["same_scene_alerts"] == (
        out["scene_alerts"]["baseline"] == out["scene_alerts"]["worker"]
    )
    assert "device" in out["scene_alerts"]["worker"]["person_phone_1.jpg"]
    assert 100 < out["worker_rss_mib"] < out["bench_max_rss_mib"]
