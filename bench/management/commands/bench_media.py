"""Load benchmark of the media process: N synthetic candidates with both views against a real
``config.media_asgi`` process, with frame and audio sampling into a real vision worker and the
proctor's room listening for alerts.

What runs: one media process (Daphne, the settings of this command's environment, so
``config.settings.prod`` with the Redis channel layer and PostgreSQL for a production-like run),
one Celery worker on the ``vision`` queue (as compose runs it: two processes, prefetch 1), and
this process as the load generator: for each candidate a view-1 sender (640×360 VP8 at 5 fps,
what view1.js sends after its frame-rate cap, with an audio m-line negotiated sendrecv but no
microphone sent, as the page does unless a proctor has the candidate in focus; Opus audio with
``--microphone``) and a view-2 sender (480×270 VP8 at 3 fps, no audio, the phone), each an
aiortc peer that replays a pre-encoded WebM
(``MediaPlayer(decode=False)``: no encoding in the generator) through the real signalling
WebSocket, signed in as the candidate by a session cookie. Every ``--alert-every``-th candidate's
view 1 shows an empty room instead of the talking face, so the vision worker raises "left the
seat" on each of its sampled frames; the room group is listened to on the channel layer (what
the proctor console's WebSocket forwards), and the alert latency is the time from the frame's
capture (``last_seen_at`` of the alert, the captured time of the frame that extended it) to the
``alert.changed`` message.

After every sender is connected and a warm-up, a window is measured: CPU of the media process
(utime + stime from /proc over the window, per candidate, as % of one core; the event-loop
thread apart from the other threads), its resident memory, frames and audio chunks sampled per
second, the alert latency p50/p95, the vision worker's and the generator's own CPU. The clips are
encoded once with PyAV (libvpx, libopus) into ``--cache-dir`` (``var/bench/media`` by default,
not tracked) from ``../shared/data``. The data is deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fractions
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from bench.exam_load import create_data, delete_data
from exams import services
from exams.models import Attempt, Exam, Registration
from proctoring.media import peers as _peers  # noqa: F401 (senders: ICE host addresses from settings)

VIEW1_FPS = 5  # view1.js caps the camera to this while no proctor focuses on the candidate
VIEW2_FPS = 3  # the phone's view, lower still
VIEW1_SIZE = (640, 360)
VIEW2_SIZE = (480, 270)
TALKING_VIDEO = "video/talking_face_640x360_15fps.y4m"
TALKING_AUDIO = "video/talking_face_audio.wav"
PHONE_VIDEO = "video/webcam_head_pose_480x270_15fps.y4m"
EMPTY_ROOM = "scenes/empty_room_1.jpg"
ORIGIN = "http://127.0.0.1"


# --- Clips ------------------------------------------------------------------------------------


def make_clips(cache: Path, seconds: int, kbps: int = 500) -> dict[str, Path]:
    """The three WebM clips the senders replay, encoded once per length into ``cache``: they are
    long enough never to loop (aiortc's player stops pacing pre-encoded packets after a loop,
    as the timestamps start again)."""
    cache.mkdir(parents=True, exist_ok=True)
    data = Path(settings.SHARED_DATA_DIR)
    clips = {
        "view1": cache / f"view1_talking_{VIEW1_FPS}fps_{kbps}k_{seconds}s.webm",
        "alert": cache / f"view1_empty_room_{VIEW1_FPS}fps_{kbps}k_{seconds}s.webm",
        "view1_silent": cache / f"view1_talking_{VIEW1_FPS}fps_{kbps}k_{seconds}s_video.webm",
        "alert_silent": cache / f"view1_empty_room_{VIEW1_FPS}fps_{kbps}k_{seconds}s_video.webm",
        "view2": cache / f"view2_head_pose_{VIEW2_FPS}fps_{kbps * 6 // 10}k_{seconds}s.webm",
    }
    if not clips["view1"].exists():
        frames = _y4m_frames(data / TALKING_VIDEO, keep_every=15 // VIEW1_FPS)
        _encode(clips["view1"], frames, VIEW1_FPS, VIEW1_SIZE, seconds, kbps, data / TALKING_AUDIO)
    if not clips["alert"].exists():
        from PIL import Image

        still = Image.open(data / EMPTY_ROOM).convert("RGB").resize(VIEW1_SIZE)
        _encode(clips["alert"], [still], VIEW1_FPS, VIEW1_SIZE, seconds, kbps, data / TALKING_AUDIO)
    for name in ("view1", "alert"):  # the same video without its audio, remuxed
        if not clips[f"{name}_silent"].exists():
            _video_only(clips[name], clips[f"{name}_silent"])
    if not clips["view2"].exists():
        frames = _y4m_frames(data / PHONE_VIDEO, keep_every=15 // VIEW2_FPS)
        _encode(clips["view2"], frames, VIEW2_FPS, VIEW2_SIZE, seconds, kbps * 6 // 10, None)
    return clips


def _video_only(source: Path, target: Path) -> None:
    import av

    temporary = target.with_suffix(".part")
    with av.open(str(source)) as container, av.open(str(temporary), "w", format="webm") as out:
        stream = container.streams.video[0]
        video = out.add_stream_from_template(stream)
        for packet in container.demux(stream):
            if packet.dts is None:
                continue
            packet.stream = video
            out.mux(packet)
    temporary.rename(target)


def _y4m_frames(path: Path, keep_every: int) -> list[Any]:
    import av

    with av.open(str(path)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    return frames[::keep_every]


def _encode(
    path: Path,
    images: list[Any],
    fps: int,
    size: tuple[int, int],
    seconds: int,
    kbps: int,
    wav: Path | None,
) -> None:
    """VP8 of ``images`` played forwards then backwards (no jump at the turn) for ``seconds``,
    with the WAV's audio repeated as Opus; written to a temporary name, then renamed."""
    import av
    from av.audio.fifo import AudioFifo

    cycle = images + images[-2:0:-1] if len(images) > 2 else images
    temporary = path.with_suffix(".part")
    packets: list[Any] = []
    with av.open(str(temporary), "w", format="webm") as out:
        video: Any = out.add_stream("libvpx", rate=fps)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        video.bit_rate = kbps * 1000
        video.options = {"deadline": "good", "cpu-used": "4", "g": str(fps * 4)}
        audio: Any = None
        if wav is not None:
            audio = out.add_stream("libopus", rate=48_000)
            audio.layout = "stereo"
            audio.bit_rate = 32_000
        for index in range(seconds * fps):
            frame = av.VideoFrame.from_image(cycle[index % len(cycle)]).reformat(
                width=size[0], height=size[1], format="yuv420p"
            )
            frame.pts, frame.time_base = index, fractions.Fraction(1, fps)
            packets += video.encode(frame)
        packets += video.encode(None)
        if audio is not None and wav is not None:
            resampler = av.AudioResampler(format="s16", layout="stereo", rate=48_000)
            fifo = AudioFifo()
            total, written = seconds * 48_000, 0
            while total > 0:
                with av.open(str(wav)) as source:
                    for decoded in source.decode(audio=0):
                        for resampled in resampler.resample(decoded):
                            resampled.pts = None  # the loop starts again at 0
                            fifo.write(resampled)
                while fifo.samples >= 960 and total > 0:
                    chunk = fifo.read(960)
                    assert chunk is not None  # the FIFO holds at least that much
                    chunk.pts, chunk.time_base = written, fractions.Fraction(1, 48_000)
                    packets += audio.encode(chunk)
                    written += 960
                    total -= 960
            packets += audio.encode(None)
        packets.sort(key=lambda p: float(p.pts * p.time_base) if p.pts is not None else 0.0)
        for packet in packets:
            out.mux(packet)
    temporary.rename(path)


# --- Processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def media_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a media process on this machine: this process's settings, ICE on
    loopback only (no STUN server, nothing leaves the machine)."""
    return {
        **os.environ,
        "WEBRTC_ICE_HOST_ADDRESSES": "127.0.0.1",
        "WEBRTC_ICE_LOOPBACK_ONLY": "true",
        # The simulated pages come from this origin (the web process's), not the media port's.
        "WEBSOCKET_ALLOWED_ORIGINS": ORIGIN,
        **(extra or {}),
    }


_PROFILED_DAPHNE = """
import cProfile, sys, time
from daphne.cli import CommandLineInterface
out = sys.argv.pop(1)
profiler = cProfile.Profile(time.thread_time)
profiler.enable()
try:
    CommandLineInterface.entrypoint()
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


def start_media_process(
    port: int,
    env: dict[str, str],
    log: Any = None,
    timeout: float = 60,
    profile: Path | None = None,
) -> subprocess.Popen[bytes]:
    """``daphne config.media_asgi:application`` on ``127.0.0.1:port``, once ``/healthz`` answers;
    with ``profile``, under cProfile timing the event-loop thread's own CPU (not wall-clock
    time, which on a busy machine counts the time the thread waited for a core), written there
    when the process ends."""
    bin_dir = Path(sys.executable).parent
    daphne = [str(bin_dir / "daphne")]
    if profile is not None:
        daphne = [sys.executable, "-c", _PROFILED_DAPHNE, str(profile)]
    process = subprocess.Popen(  # noqa: S603 (our own executable, fixed arguments)
        [
            *daphne,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--verbosity",
            "0",
            "config.media_asgi:application",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log if log is not None else sys.stderr,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the media process exited with {process.returncode}")
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            with urllib.request.urlopen(url, timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the media process did not come up")


def _start_vision_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    bin_dir = Path(sys.executable).parent
    return subprocess.Popen(  # noqa: S603
        [
            str(bin_dir / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "vision",
            "--concurrency",
            "2",
            "--prefetch-multiplier",
            "1",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=sys.stderr,  # the worker's banner must not mix with the report
        stderr=subprocess.STDOUT,
    )


def _wait_for_vision_worker(process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    """Until the worker answers a ping (its pool processes load the models on their first
    task: the warm-up covers that, so the window measures the pipeline, not the loading)."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the vision worker exited with {process.returncode}")
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError("the vision worker did not answer in time")


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> float | None:
    """SIGTERM, then SIGKILL after ``timeout``; the seconds it took to exit by itself, or None
    when it had to be killed."""
    if process.poll() is not None:
        return 0.0
    begun = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
        return time.monotonic() - begun
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(c) for c in text.split()]
    return found + [g for c in found for g in _children(c)]


def cpu_ticks(pid: int) -> int:
    """utime + stime of ``pid`` in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def thread_ticks(pid: int) -> dict[int, int]:
    """utime + stime of every thread of ``pid``."""
    ticks = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[int(task.name)] = int(fields[11]) + int(fields[12])
    return ticks


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- Senders ----------------------------------------------------------------------------------


def candidate_cookie(user: Any, attempt: Attempt | None = None) -> str:
    """A session cookie of ``user`` signed in as a candidate; with ``attempt``, the session is
    also paired to it as the attempt's phone (view 2 authorises by the phone's pairing)."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="accounts.backends.CandidateSessionBackend")
    if attempt is not None:
        from proctoring import pairing

        session = client.session
        pairing.consume(pairing.issue(attempt).token, session, user_agent="bench_media")
        session.save()
        return f"sessionid={session.session_key}"
    return f"sessionid={client.cookies['sessionid'].value}"


@dataclass
class ViewSender:
    """One view of one candidate: an aiortc peer replaying ``clip`` (pre-encoded, never
    decoded here) through the media process's signalling WebSocket. ``keep_connected`` makes a
    new connection whenever the last one is lost, as the browser pages do."""

    ws_base: str
    attempt_id: int
    view: int
    cookie: str
    clip: Path | None = None  # None: aiortc's own test tracks (a green frame and silence)
    connections: int = 0
    errors: list[str] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _pc: Any = None
    _ws: Any = None
    _session: Any = None
    _player: Any = None
    _stopping: bool = False

    @property
    def url(self) -> str:
        return f"{self.ws_base}/ws/media/attempts/{self.attempt_id}/view/{self.view}/"

    async def connect(self, timeout: float = 30) -> None:
        """Open the signalling socket, offer, and return once the server says ``connected``."""
        import aiohttp
        from aiortc import (
            RTCBundlePolicy,
            RTCConfiguration,
            RTCPeerConnection,
            RTCSessionDescription,
        )
        from aiortc.contrib.media import MediaPlayer
        from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
        from aiortc.rtcrtpsender import RTCRtpSender

        await self._close_connection()
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(
            self.url, headers={"Cookie": self.cookie, "Origin": ORIGIN}, heartbeat=None
        )
        # One ICE transport for all tracks, as a browser ends up with once the server accepts
        # BUNDLE: with aiortc's default (balanced) the audio's own transport, bundled away by the
        # answer, gets no consent answers and takes the peer down after 30 s.
        pc = self._pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        if self.clip is not None:
            self._player = MediaPlayer(str(self.clip), decode=False)
            tracks = [t for t in (self._player.video, self._player.audio) if t is not None]
        else:
            tracks = [VideoStreamTrack(), AudioStreamTrack()]
        for track in tracks:
            transceiver = pc.addTransceiver(track, direction="sendonly")
            if track.kind == "video":  # the clips are VP8: never negotiate another codec
                vp8 = [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType == "video/VP8"
                ]
                transceiver.setCodecPreferences(vp8)
        if self.view == 1 and not any(t.kind == "audio" for t in tracks):
            # view1.js negotiates its audio sendrecv (the proctor's voice comes back on it) and
            # sends the microphone only while in focus: an audio m-line with no track.
            pc.addTransceiver("audio", direction="sendrecv")
        await pc.setLocalDescription(await pc.createOffer())
        await self._ws.send_json({"type": "offer", "sdp": pc.localDescription.sdp})
        async with asyncio.timeout(timeout):
            while True:
                message = await self._ws.receive_json()
                if message.get("type") == "answer":
                    await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "answer"))
                elif message.get("type") == "connected":
                    break
                elif message.get("type") == "error":
                    raise RuntimeError(f"media process refused: {message}")
        self.connections += 1
        self.connected.set()

    async def wait_lost(self) -> None:
        """Until the signalling socket closes or the peer fails (what a page notices)."""
        assert self._ws is not None and self._pc is not None
        pc = self._pc
        while not self._ws.closed and pc.connectionState not in ("failed", "closed"):
            try:
                await asyncio.wait_for(self._ws.receive(), timeout=1)
            except TimeoutError:
                continue
        self.connected.clear()
        if len(self.errors) < 20:
            how = f"socket closed {self._ws.close_code}" if self._ws.closed else "peer"
            self.errors.append(f"view {self.view} lost: {how}, peer {pc.connectionState}")

    async def keep_connected(self, retry_every: float = 1.0) -> None:
        while not self._stopping:
            try:
                await self.connect()
                await self.wait_lost()
            except Exception as exc:
                self.connected.clear()
                if len(self.errors) < 20:
                    self.errors.append(repr(exc))
            if not self._stopping:
                await asyncio.sleep(retry_every)

    async def _close_connection(self) -> None:
        if self._pc is not None:
            await self._pc.close()
            self._pc = None
        if self._player is not None:
            for track in (self._player.video, self._player.audio):
                if track is not None:
                    track.stop()
            self._player = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def close(self) -> None:
        self._stopping = True
        self.connected.clear()
        await self._close_connection()


# --- The run ----------------------------------------------------------------------------------


@dataclass
class Listener:
    """The proctor's room on the channel layer: the time each ``alert.changed`` arrived after
    the capture of the frame it comes from."""

    # (arrival time, seconds since the capture of what the alert comes from, kind)
    latencies: list[tuple[float, float, str]] = field(default_factory=list)
    chunk_seconds: float = 0.0  # a voice alert's time runs from the end of its audio chunk
    messages: dict[str, int] = field(default_factory=dict)

    async def listen(self, room_id: int) -> None:
        from channels.layers import get_channel_layer

        from proctoring import events

        layer: Any = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.room_group(room_id), channel)
        try:
            while True:
                message = await layer.receive(channel)
                now = time.time()
                kind = str(message.get("type"))
                self.messages[kind] = self.messages.get(kind, 0) + 1
                if kind == "alert.changed":
                    alert = message["alert"]
                    if alert["status"] != "open":
                        continue
                    seen = dt.datetime.fromisoformat(alert["last_seen_at"]).timestamp()
                    if alert["kind"] == "talking":
                        seen += self.chunk_seconds
                    self.latencies.append((now, now - seen, alert["kind"]))
        finally:
            await layer.group_discard(events.room_group(room_id), channel)


class Command(BaseCommand):
    help = "Load-test the media process with N synthetic candidates sending both views."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candidates", type=int, default=10)
        parser.add_argument("--warmup", type=float, default=15.0, help="seconds before measuring")
        parser.add_argument("--window", type=float, default=30.0, help="seconds measured")
        parser.add_argument(
            "--alert-every",
            type=int,
            default=4,
            help="every k-th candidate's camera shows an empty room (raises alerts); 0: none",
        )
        parser.add_argument("--views", type=int, choices=(1, 2), default=2)
        parser.add_argument(
            "--kbps",
            type=int,
            default=500,
            help="video bit rate of view 1's clip (view 2: 60 %% of it); what a browser sends "
            "depends on its bandwidth estimate and on any cap the page sets",
        )
        parser.add_argument(
            "--sample-every",
            type=float,
            help="WEBRTC_SAMPLE_EVERY_SECONDS for the media process (default: the setting)",
        )
        parser.add_argument("--cache-dir", default=str(Path(settings.VAR_DIR) / "bench" / "media"))
        parser.add_argument(
            "--microphone",
            action="store_true",
            help="view 1 sends its microphone (Opus) all the time, as the page does only while a "
            "proctor has the candidate in focus; without it view 1 negotiates audio but sends "
            "none (voice detection then reads the recording, not the live stream)",
        )
        parser.add_argument(
            "--profile",
            help="run the media process under cProfile and write its profile to this file",
        )
        parser.add_argument(
            "--media-log", help="write the media process's log (level INFO) to this file"
        )
        parser.add_argument("--keep", action="store_true", help="keep the benchmark's data")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["candidates"]
        if n < 1:
            raise CommandError("--candidates must be at least 1")
        if options["window"] <= 0 or options["warmup"] < 0:
            raise CommandError("--window must be positive and --warmup not negative")
        if options["kbps"] < 50 or options["alert_every"] < 0:
            raise CommandError("--kbps must be at least 50 and --alert-every not negative")
        # The senders (in this process) gather their ICE candidates on loopback too (the
        # setting is read by proctoring.media.peers's hook into aioice, imported above).
        settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]

        # Long enough for connecting (about 0.1 s a sender, plus slack), warm-up and window.
        needed = 40 + n * options["views"] * 0.1 + options["warmup"] + options["window"]
        seconds = max(120, int(needed + 59) // 60 * 60)
        clips = make_clips(Path(options["cache_dir"]), seconds, options["kbps"])
        tag = timezone.now().strftime("%H%M%S")
        exam, _numbers = create_data(tag, n)
        extra = {"LOG_LEVEL": "WARNING"}
        if options["sample_every"]:
            extra["WEBRTC_SAMPLE_EVERY_SECONDS"] = str(options["sample_every"])
        env = media_env(extra)
        processes: list[subprocess.Popen[bytes]] = []
        shutdown_s: float | None = None
        try:
            attempts = _live_attempts(exam)
            processes.append(_start_vision_worker(env))
            port = free_port()
            profile = Path(options["profile"]).resolve() if options["profile"] else None
            if profile is not None:  # writing the profile takes a while after the reactor stops
                env["MEDIA_EXIT_GRACE_SECONDS"] = "60"
            log = None
            if options["media_log"]:
                log = open(options["media_log"], "ab")  # noqa: SIM115 (closed by the OS at exit)
            media_env_ = {**env, "LOG_LEVEL": "INFO"} if log is not None else env
            media = start_media_process(port, media_env_, log=log, profile=profile)
            processes.append(media)
            _wait_for_vision_worker(processes[0])
            report = asyncio.run(
                _run(f"ws://127.0.0.1:{port}", media.pid, attempts, clips, options)
            )
            shutdown_s = stop(media)
        finally:
            for process in processes:
                stop(process)
            if not options["keep"]:
                _delete(exam)
        report["media_process"]["sigterm_exit_s"] = (
            None if shutdown_s is None else round(shutdown_s, 2)
        )
        report["vision_worker_cpu_pct"] = report.pop("_vision_cpu", None)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_table(report))


def _live_attempts(exam: Exam) -> list[tuple[Attempt, str, str]]:
    """Each candidate's attempt moved into answering (the exam requires the second view, as
    the benchmark sends it), with a cookie for view 1 (the candidate) and one for view 2 (the
    candidate's phone, paired to the attempt)."""
    Exam.objects.filter(pk=exam.pk).update(requires_second_view=True)
    found = []
    for registration in Registration.objects.filter(exam=exam).select_related(
        "candidate__user", "exam"
    ):
        with transaction.atomic():
            attempt = services.open_attempt(registration)
            services.confirm_information(attempt)
            services.answer_commitment(attempt, accepted=True, text="bench")
        attempt.refresh_from_db()
        user = registration.candidate.user
        phone = candidate_cookie(user, attempt)  # paired while waiting for the second view
        services.second_view_connected(attempt)  # answering from the start of the window
        attempt.refresh_from_db()
        found.append((attempt, candidate_cookie(user), phone))
    return found


def _delete(exam: Exam) -> None:
    from proctoring.models import AudioChunk, EvidenceFrame

    attempt_ids = list(Attempt.objects.filter(registration__exam=exam).values_list("pk", flat=True))
    for frame in EvidenceFrame.objects.filter(attempt_id__in=attempt_ids):
        frame.image.storage.delete(frame.image.name)
    for chunk in AudioChunk.objects.filter(attempt_id__in=attempt_ids):
        chunk.audio.storage.delete(chunk.audio.name)
    AudioChunk.objects.filter(attempt_id__in=attempt_ids).delete()
    delete_data(exam)


async def _run(
    ws_base: str,
    media_pid: int,
    attempts: list[tuple[Attempt, str, str]],
    clips: dict[str, Path],
    options: dict[str, Any],
) -> dict[str, Any]:
    from asgiref.sync import sync_to_async

    from proctoring.models import AudioChunk, EvidenceFrame

    n = len(attempts)
    room_id = await sync_to_async(lambda: attempts[0][0].registration.room_id)()
    listener = Listener(chunk_seconds=settings.WEBRTC_AUDIO_CHUNK_SECONDS)
    listening = asyncio.ensure_future(listener.listen(room_id))
    senders: list[ViewSender] = []
    alerting = 0
    for index, (attempt, cookie1, cookie2) in enumerate(attempts):
        alert = options["alert_every"] > 0 and index % options["alert_every"] == 0
        alerting += alert
        clip = clips[("alert" if alert else "view1") + ("" if options["microphone"] else "_silent")]
        senders.append(ViewSender(ws_base, attempt.pk, 1, cookie1, clip))
        if options["views"] == 2:
            senders.append(ViewSender(ws_base, attempt.pk, 2, cookie2, clips["view2"]))
    tasks = []
    own_start = _own_cpu()
    connect_begun = time.monotonic()
    for sender in senders:  # a few a second, as candidates arrive, not all in one instant
        tasks.append(asyncio.ensure_future(sender.keep_connected()))
        await asyncio.sleep(0.1)
    try:
        async with asyncio.timeout(60 + 3 * len(senders)):
            await asyncio.gather(*(s.connected.wait() for s in senders))
    except TimeoutError:
        pass
    connect_s = time.monotonic() - connect_begun
    await asyncio.sleep(options["warmup"])

    ticks = os.sysconf("SC_CLK_TCK")
    window = options["window"]
    ids = [a.pk for a, _, _ in attempts]
    started_wall, started = time.time(), time.monotonic()
    media_before, threads_before = cpu_ticks(media_pid), thread_ticks(media_pid)
    worker_pids = [p for p in _children(os.getpid()) if p != media_pid]
    vision_before = sum(cpu_ticks(p) for p in worker_pids)
    own_before = _own_cpu()
    connected_before = sum(s.connected.is_set() for s in senders)
    await asyncio.sleep(window)
    elapsed = time.monotonic() - started
    media_after, threads_after = cpu_ticks(media_pid), thread_ticks(media_pid)
    vision_after = sum(cpu_ticks(p) for p in _children(os.getpid()) if p != media_pid)
    own_after = _own_cpu()
    rss = rss_mib(media_pid)
    connected_after = sum(s.connected.is_set() for s in senders)
    ended_wall = time.time()
    await asyncio.sleep(5)  # alerts of frames captured at the end of the window still arrive

    since = dt.datetime.fromtimestamp(started_wall, dt.UTC)
    until = dt.datetime.fromtimestamp(ended_wall, dt.UTC)
    frames = await sync_to_async(
        EvidenceFrame.objects.filter(attempt_id__in=ids, captured_at__range=(since, until)).count
    )()
    chunks = await sync_to_async(
        AudioChunk.objects.filter(attempt_id__in=ids, captured_at__range=(since, until)).count
    )()
    in_window = [
        (s, kind)
        for arrived, s, kind in listener.latencies
        if started_wall <= arrived - s <= ended_wall
    ]
    latencies = sorted(s for s, kind in in_window if kind != "talking")
    voice = sorted(s for s, kind in in_window if kind == "talking")
    kinds: dict[str, int] = {}
    for _, _, kind in listener.latencies:
        kinds[kind] = kinds.get(kind, 0) + 1
    listening.cancel()
    for sender in senders:
        sender._stopping = True
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(s.close() for s in senders), return_exceptions=True)
    await asyncio.gather(listening, return_exceptions=True)

    media_cpu = (media_after - media_before) / ticks
    main_thread = (threads_after.get(media_pid, 0) - threads_before.get(media_pid, 0)) / ticks
    per_thread = sorted(
        (
            (threads_after[t] - threads_before.get(t, 0)) / ticks
            for t in threads_after
            if t != media_pid
        ),
        reverse=True,
    )
    return {
        "candidates": n,
        "views": options["views"],
        "senders": len(senders),
        "alerting_candidates": alerting,
        "connect_s": round(connect_s, 1),
        "connected_at_start": connected_before,
        "connected_at_end": connected_after,
        "reconnections": sum(s.connections for s in senders) - len(senders),
        "sender_errors": [e for s in senders for e in s.errors][:10],
        "window_s": round(elapsed, 1),
        "media_process": {
            "cpu_pct_of_one_core": round(100 * media_cpu / elapsed, 1),
            "cpu_pct_per_candidate": round(100 * media_cpu / elapsed / n, 2),
            "event_loop_thread_pct": round(100 * main_thread / elapsed, 1),
            "other_threads_pct": round(100 * (media_cpu - main_thread) / elapsed, 1),
            "threads": len(threads_after),
            "busiest_other_threads_pct": [round(100 * t / elapsed, 1) for t in per_thread[:5]],
            "rss_mib": round(rss, 1),
        },
        "frames_sampled_per_s": round(frames / elapsed, 2),
        "audio_chunks_per_s": round(chunks / elapsed, 2),
        "alert_messages": len(latencies),
        "alert_kinds": kinds,
        "alert_latency_s": {
            "p50": round(statistics.median(latencies), 3) if latencies else None,
            "p95": round(_percentile(latencies, 0.95), 3) if latencies else None,
            "max": round(latencies[-1], 3) if latencies else None,
        },
        "voice_alert_messages": len(voice),
        "voice_alert_latency_s": {  # from the end of the audio chunk
            "p50": round(statistics.median(voice), 3) if voice else None,
            "p95": round(_percentile(voice, 0.95), 3) if voice else None,
        },
        "room_messages": listener.messages,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "load_generator_cpu_pct": round(100 * (own_after - own_before) / elapsed, 1),
        "_vision_cpu": round(100 * (vision_after - vision_before) / ticks / elapsed, 1),
        "own_cpu_total_s": round(_own_cpu() - own_start, 1),
    }


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _table(report: dict[str, Any]) -> str:
    media = report["media_process"]
    latency = report["alert_latency_s"]
    rows = [
        ("candidates (senders)", f"{report['candidates']} ({report['senders']})"),
        (
            "connected at start / end of window",
            f"{report['connected_at_start']} / {report['connected_at_end']}",
        ),
        ("media CPU, % of one core", media["cpu_pct_of_one_core"]),
        ("media CPU per candidate, %", media["cpu_pct_per_candidate"]),
        (
            "  event-loop thread / other threads, %",
            f"{media['event_loop_thread_pct']} / {media['other_threads_pct']}",
        ),
        ("media RSS, MiB", media["rss_mib"]),
        ("frames sampled per s", report["frames_sampled_per_s"]),
        ("audio chunks per s", report["audio_chunks_per_s"]),
        (
            "frame alert latency p50 / p95 / max, s",
            f"{latency['p50']} / {latency['p95']} / {latency['max']} "
            f"({report['alert_messages']} alerts)",
        ),
        (
            "voice alert latency p50 / p95, s",
            f"{report['voice_alert_latency_s']['p50']} / {report['voice_alert_latency_s']['p95']}"
            f" ({report['voice_alert_messages']} alerts)",
        ),
        ("machine load average (1 min)", report["load_average_1min"]),
        ("vision worker CPU, % of one core", report["vision_worker_cpu_pct"]),
        ("load generator CPU, % of one core", report["load_generator_cpu_pct"]),
        ("media process exit after SIGTERM, s", media["sigterm_exit_s"]),
    ]
    width = max(len(str(k)) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows) + "\n"
