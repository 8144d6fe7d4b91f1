"""Alerts raised from the vision workers' results, and the per-exam rules that raise them
(R-PROC-3). ``proctoring.alerts`` turns analyses into alerts; the console shows them.

The evidence of an attempt lives here too: camera frames (``EvidenceFrame``) and their analyses
(``FrameAnalysis``), microphone chunks (``AudioChunk``) and the random snapshot times
(``SnapshotPlan``). They belong to an ``exams.Attempt``, which the vision compute layer knows
nothing of; their tables keep the ``vision_`` names they were created with.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proctoring.statuses import AlertStatus


class AlertKind(models.TextChoices):
    LEFT_SEAT = "left_seat", _("Left the seat")
    EXTRA_PERSON = "extra_person", _("Another person")
    DEVICE = "device", _("Electronic device")
    FACE_COVERED = "face_covered", _("Face covered or not visible")
    DIFFERENT_PERSON = "different_person", _("Different person")
    LOOKING_AWAY = "looking_away", _("Looking away")
    SECOND_VIEW_LOST = "second_view_lost", _("Second view lost")
    CAMERA_LOST = "camera_lost", _("Camera or microphone lost")
    LEFT_PAGE = "left_page", _("Left the exam page")
    TALKING = "talking", _("Talking or other voices")
    # Not from a camera: another device signed in (or tried to) to the candidate's live exam.
    SECOND_SIGN_IN = "second_sign_in", _("Sign-in from another device")
    # The exam page's own reports: the required screen share stopped (view 3), and another
    # display attached where the browser can tell (the Window Management API).
    SCREEN_SHARE_STOPPED = "screen_share_stopped", _("Screen share stopped")
    EXTRA_DISPLAY = "extra_display", _("Another display attached")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class AlertDecision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


DEFAULT_SEVERITY: dict[str, int] = {
    AlertKind.LEFT_SEAT: Severity.HIGH,
    AlertKind.EXTRA_PERSON: Severity.HIGH,
    AlertKind.DEVICE: Severity.HIGH,
    AlertKind.FACE_COVERED: Severity.MEDIUM,
    AlertKind.DIFFERENT_PERSON: Severity.HIGH,
    AlertKind.LOOKING_AWAY: Severity.LOW,
    AlertKind.SECOND_VIEW_LOST: Severity.MEDIUM,
    AlertKind.CAMERA_LOST: Severity.MEDIUM,
    AlertKind.LEFT_PAGE: Severity.MEDIUM,
    AlertKind.TALKING: Severity.MEDIUM,
    AlertKind.SECOND_SIGN_IN: Severity.HIGH,
    AlertKind.SCREEN_SHARE_STOPPED: Severity.MEDIUM,
    AlertKind.EXTRA_DISPLAY: Severity.HIGH,
}


class AlertRules(models.Model):
    """How one exam turns analyses into alerts (the exam's AI rule profile). Exams without a row
    use ``AlertRules.defaults``, whose values are the ``VISION_*`` settings (measured on
    ../shared/data, docs/vision.md) and ``DEFAULT_SEVERITY``.

    ``enabled`` lists the alert types on (empty: every type); ``disabled`` the types turned off
    on the exam's AI rules page. ``severities`` overrides ``DEFAULT_SEVERITY`` per type.
    ``device_labels`` decides per detected object label (``"book"``, ``"keyboard"``, …) of the
    device alert: 0 ignores that label, 1–3 is the severity it raises; a label not listed
    raises the device alert's own severity. A device alert's severity is the highest of the
    labels it shows, so an open-book exam can ignore books and still see phones as high."""

    exam = models.OneToOneField(
        "exams.Exam", verbose_name=_("exam"), on_delete=models.CASCADE, related_name="alert_rules"
    )
    enabled = models.JSONField(
        _("enabled alert types"), default=list, help_text=_("Empty means every type.")
    )
    disabled = models.JSONField(_("alert types turned off"), default=list, blank=True)
    severities = models.JSONField(_("severity per alert type"), default=dict, blank=True)
    device_labels = models.JSONField(_("severity per device label"), default=dict, blank=True)
    device_min_confidence = models.FloatField(_("device confidence from"), default=0.4)
    person_min_confidence = models.FloatField(_("person confidence from"), default=0.55)
    distance_threshold = models.FloatField(_("face distance threshold"), default=0.6)
    looking_away_yaw = models.FloatField(_("looking-away head turn"), default=0.6)
    voice_ratio = models.FloatField(_("voiced share of a chunk"), default=0.3)

    class Meta:
        verbose_name = _("alert rules")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return f"{self.exam_id}"

    @classmethod
    def defaults(cls, exam: Any = None) -> AlertRules:
        return cls(
            exam=exam,
            enabled=[],
            disabled=[],
            severities={},
            device_labels={},
            device_min_confidence=settings.VISION_DEVICE_MIN_CONFIDENCE,
            person_min_confidence=settings.VISION_PERSON_MIN_CONFIDENCE,
            distance_threshold=settings.VISION_FACE_DISTANCE_THRESHOLD,
            looking_away_yaw=settings.VISION_LOOKING_AWAY_YAW,
            voice_ratio=settings.VISION_VOICE_RATIO,
        )

    def is_enabled(self, kind: str) -> bool:
        return (not self.enabled or kind in self.enabled) and kind not in (self.disabled or [])

    def severity_of(self, kind: str) -> int:
        """The severity an alert of ``kind`` opens with (for devices: of a label not listed)."""
        return int((self.severities or {}).get(kind, DEFAULT_SEVERITY[kind]))

    def device_label_severity(self, label: str) -> int:
        """0 when detections of ``label`` are ignored, else the severity they raise."""
        listed = (self.device_labels or {}).get(label)
        return self.severity_of(AlertKind.DEVICE) if listed is None else int(listed)

    def alert_severity(self, kind: str, detail: dict[str, Any]) -> int:
        """The severity of an alert of ``kind`` with ``detail`` (a device alert: its labels')."""
        if kind == AlertKind.DEVICE and detail.get("devices"):
            return max(self.device_label_severity(d["label"]) for d in detail["devices"])
        return self.severity_of(kind)


class Alert(models.Model):
    """One suspicious behaviour of one attempt over a span of time. Consecutive detections of
    the same behaviour (same kind and view) add to the open alert's ``count`` and ``last_seen_at``
    instead of opening new alerts; the alert closes when the behaviour stops."""

    attempt = models.ForeignKey(
        "exams.Attempt", verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("type"), max_length=20, choices=AlertKind.choices)
    view = models.PositiveSmallIntegerField(_("view"), default=1)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    confidence = models.FloatField(_("confidence"), default=0.0)
    count = models.PositiveIntegerField(_("detections"), default=1)
    opened_at = models.DateTimeField(_("from"))
    last_seen_at = models.DateTimeField(_("last seen"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    evidence = models.ForeignKey(
        "proctoring.EvidenceFrame",
        verbose_name=_("evidence frame"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The talking alert's evidence: the first audio chunk that raised it (proctoring.alerts).
    audio_evidence = models.ForeignKey(
        "proctoring.AudioChunk",
        verbose_name=_("evidence audio"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.JSONField(_("details"), default=dict, blank=True)
    # A proctor's decision on the alert (R-PROC-7): confirmed as a real behaviour or dismissed
    # as a false alarm; taken once, audited (``proctoring.actions.decide_alert``).
    decision = models.CharField(
        _("decision"), max_length=10, choices=AlertDecision.choices, blank=True, default=""
    )
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "kind", "view"],
                condition=models.Q(status="open"),
                name="one_open_alert_per_kind_and_view",
            )
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} {self.status}"


# --- What proctors do during an exam (R-PROC-5, R-PROC-7; proctoring.actions) ---------------

MESSAGE_MAX_CHARS = 200


class MessageKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BROADCAST = "broadcast", _("Message to the room")


class ProctorMessage(models.Model):
    """A line of text a proctor sends to a candidate's exam page (a bullet-screen warning) or
    to the whole room. A broadcast is stored as one row per candidate then live in the room,
    sharing ``broadcast_id``, so each candidate's page has its own read receipt."""

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="proctor_messages",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    text = models.CharField(_("text"), max_length=MESSAGE_MAX_CHARS)
    broadcast_id = models.UUIDField(_("broadcast"), null=True, blank=True, db_index=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("proctor message")
        verbose_name_plural = _("proctor messages")

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} {self.text[:20]}"


class ViolationKind(models.TextChoices):
    MATERIALS = "materials", _("Unauthorised materials")
    DEVICE = "device", _("Electronic device")
    ANOTHER_PERSON = "another_person", _("Help from another person")
    IMPERSONATION = "impersonation", _("Someone else taking the exam")
    LEFT_SEAT = "left_seat", _("Left the seat")
    VIEW_BLOCKED = "view_blocked", _("Camera blocked or turned away")
    OTHER = "other", _("Other")


class Violation(models.Model):
    """A breach of the exam rules that a proctor records against an attempt."""

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="violations",
    )
    kind = models.CharField(_("type"), max_length=20, choices=ViolationKind.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    # The alert a reviewer decided was this violation (``review.decisions``); none for one a
    # proctor recorded from the console. An alert's review outcome is read from its decision
    # and this link: dismissed is "no action", confirmed "warning", confirmed with a violation
    # "violation" (one record of breaches, whoever found them).
    alert = models.ForeignKey(
        Alert,
        verbose_name=_("alert"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="violations",
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind}"


class ProctorScreenshot(models.Model):
    """A proctor's screenshot of a view, kept as evidence with a note. The image itself is a
    ``EvidenceFrame`` of kind ``proctor``: one store for every picture of a candidate,
    with one retention rule, one access-checked download and one evidence list."""

    frame = models.OneToOneField(
        "proctoring.EvidenceFrame",
        verbose_name=_("image"),
        on_delete=models.CASCADE,
        related_name="proctor_screenshot",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("proctor screenshot")
        verbose_name_plural = _("proctor screenshots")

    def __str__(self) -> str:
        return f"{self.frame_id} {self.note[:20]}"


class ViewState(models.Model):
    """Whether a candidate's live view (1 computer, 2 phone) is connected now, as the media
    process (and, for view 1, the candidate's own page) last reported it. The console's
    snapshot reads it; changes are published (``view_states.record_view_state``)."""

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="view_states",
    )
    view = models.PositiveSmallIntegerField(_("view"))
    connected = models.BooleanField(_("connected"))
    changed_at = models.DateTimeField(_("changed at"))
    # The media process that holds the connected view (``MEDIA_PROCESS_ID``): a process that
    # starts again holds no peers, so it marks its own views lost (``view_states.forget_views_of``).
    media_process = models.CharField(_("media process"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "view"], name="one_state_per_view")
        ]
        verbose_name = _("view state")
        verbose_name_plural = _("view states")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.view} {self.connected}"


# --- The phone as the second camera (view 2; proctoring.pairing) ------------------------------


class PhonePairing(models.Model):
    """A single-use QR link that pairs a phone's browser with an attempt as its view 2.

    Only the SHA-256 of the link's token is kept. A code is issued unused; a newer code
    supersedes the unused older ones, and a phone that uses a code supersedes the phone paired
    before it. The pairing in force for an attempt is the used one not superseded.

    .. pii: ``user_agent`` and ``ip`` of the phone that used the code; kept with the attempt
       (as the commitment's address is).
    """

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="phone_pairings",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    user_agent = models.CharField(_("phone browser"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("phone address"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["attempt", "used_at"], name="phone_pairing_attempt_used")]
        verbose_name = _("phone pairing")
        verbose_name_plural = _("phone pairings")

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.created_at:%H:%M:%S}"


# --- Recordings (R-PROC-6; proctoring.recordings) ---------------------------------------------


def _recording_path(instance: Any, filename: str) -> str:
    import secrets

    # A random name: segments are served only through a view that checks permission, and a
    # path that cannot be guessed keeps them private even if the storage is exposed by mistake.
    return (
        f"proctoring/recordings/{instance.attempt_id}/{instance.view}/"
        f"{instance.seq:06d}-{secrets.token_urlsafe(18)}.webm"
    )


class RecordingSegment(models.Model):
    """A few seconds of one view of an attempt, recorded by the candidate's browser
    (MediaRecorder) and uploaded as a self-contained WebM file; never re-encoded here.

    ``started_at`` is on the server's clock (the browser's time corrected by its offset at
    upload). Segments of a view played in ``started_at`` order make its recording; a hole
    between two of them is a time the browser did not record (closed page, dropped camera).

    .. pii: video and audio of the candidate and the room; deleted after
       ``RECORDING_RETENTION_DAYS`` (180) by the daily ``proctoring.purge_recordings``.
    """

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="recording_segments",
    )
    view = models.PositiveSmallIntegerField(_("view"))  # 1 computer, 2 phone
    seq = models.PositiveIntegerField(_("sequence number"))
    # The browser's name for the segment: the same seq with another name is another segment.
    client_id = models.CharField(_("client segment id"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    file = models.FileField(_("file"), upload_to=_recording_path, max_length=200)
    # SHA-256 of the bytes as they arrived (``proctoring.uploads``): the evidence package
    # (``custody``) proves the file it carries is the one received. Empty: stored before hashing.
    sha256 = models.CharField(_("SHA-256 at arrival"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["view", "started_at", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "view", "seq"], name="one_recording_segment_per_seq"
            )
        ]
        indexes = [
            models.Index(
                fields=["attempt", "view", "started_at"], name="recording_segment_timeline"
            )
        ]
        verbose_name = _("recording segment")
        verbose_name_plural = _("recording segments")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.view} #{self.seq}"


def _room_scan_path(instance: Any, filename: str) -> str:
    import secrets

    # Random, like a recording segment's: served only through a view that checks permission.
    return (
        f"proctoring/room-scans/{instance.attempt_id}/"
        f"{instance.seq:04d}-{secrets.token_urlsafe(18)}.webm"
    )


class RoomScan(models.Model):
    """The phone's slow full turn of the room before answering (``proctoring.room_scans``): one
    WebM file recorded by the phone's browser and uploaded whole, never re-encoded. A candidate
    may scan again until answering starts; every scan is kept, numbered by ``seq``.

    .. pii: video and audio of the candidate's room; deleted with the recordings after
       ``RECORDING_RETENTION_DAYS`` by the daily ``proctoring.purge_recordings``.
    """

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="room_scans",
    )
    seq = models.PositiveIntegerField(_("scan number"))
    # The browser's name for the upload: a retry of the same scan carries the same one.
    client_id = models.CharField(_("client scan id"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    file = models.FileField(_("file"), upload_to=_room_scan_path, max_length=200)
    sha256 = models.CharField(_("SHA-256 at arrival"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["attempt", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "seq"], name="one_room_scan_per_seq")
        ]
        verbose_name = _("room scan")
        verbose_name_plural = _("room scans")

    def __str__(self) -> str:
        return f"{self.attempt_id} scan #{self.seq}"

    @property
    def duration_seconds(self) -> int:
        return round(self.duration_ms / 1000)


def _evidence_path(instance: Any, filename: str) -> str:
    return f"vision/evidence/{instance.attempt_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


def _audio_path(instance: Any, filename: str) -> str:
    return f"vision/audio/{instance.attempt_id}/{timezone.now():%Y%m%d%H%M%S%f}.wav"


class EvidenceFrame(models.Model):
    """A camera frame kept as evidence: a random snapshot (R-PROC-4) or the frame of an alert;
    or a still of the candidate's shared screen (view 3, kind ``screen``).

    .. pii: a picture of the candidate and the room; deleted after
       ``VISION_EVIDENCE_RETENTION_DAYS`` (180) by the daily ``vision.purge_evidence``.
    """

    class Kind(models.TextChoices):
        FRAME = "frame", _("Frame to analyse")
        SNAPSHOT = "snapshot", _("Random snapshot")
        ALERT = "alert", _("Alert evidence")
        PROCTOR = "proctor", _("Proctor screenshot")  # ProctorScreenshot
        SCREEN = "screen", _("Screen still")  # sampled by the exam page from view 3

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="evidence_frames",
    )
    view = models.PositiveSmallIntegerField(_("view"), default=1)  # 1 computer, 2 phone
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FRAME)
    image = models.FileField(_("image"), upload_to=_evidence_path)
    captured_at = models.DateTimeField(_("captured at"), default=timezone.now)
    # SHA-256 of the image as it arrived (``proctoring.uploads.save_with_file``).
    sha256 = models.CharField(_("SHA-256 at arrival"), max_length=64, blank=True)

    class Meta:
        db_table = "vision_evidenceframe"  # created by the vision app; moved without a copy
        ordering = ["captured_at"]
        indexes = [
            models.Index(
                fields=["attempt", "kind", "captured_at"], name="vision_evid_attempt_84e4b0_idx"
            )
        ]
        verbose_name = _("evidence frame")
        verbose_name_plural = _("evidence frames")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.view} {self.kind} {self.captured_at:%H:%M:%S}"


class FrameAnalysis(models.Model):
    """The structured result of analysing one frame (``vision.results.FrameResult.to_json()``,
    or ``{"error": ...}`` for a frame that could not be read). Written once by
    ``vision.analyze_frame``; a frame already analysed is not analysed again."""

    frame = models.OneToOneField(
        EvidenceFrame, verbose_name=_("frame"), on_delete=models.CASCADE, related_name="analysis"
    )
    result = models.JSONField(_("result"))
    analysed_at = models.DateTimeField(_("analysed at"), auto_now_add=True)

    class Meta:
        db_table = "vision_frameanalysis"
        verbose_name = _("frame analysis")
        verbose_name_plural = _("frame analyses")

    def __str__(self) -> str:
        return f"analysis of {self.frame_id}"


class AudioChunk(models.Model):
    """A few seconds of the candidate's microphone and its voice activity (R-PROC-3).

    .. pii: a recording of the candidate's room; deleted with the evidence
       (``vision.purge_evidence``).
    """

    attempt = models.ForeignKey(
        "exams.Attempt", verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="+"
    )
    audio = models.FileField(_("audio"), upload_to=_audio_path)
    captured_at = models.DateTimeField(_("captured at"), default=timezone.now)
    # Taken when the chunk is stored, so its evidence package can prove the file is unchanged
    # ("" for chunks kept before the platform hashed them).
    sha256 = models.CharField(_("SHA-256 at arrival"), max_length=64, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    analysed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)

    class Meta:
        db_table = "vision_audiochunk"
        verbose_name = _("audio chunk")
        verbose_name_plural = _("audio chunks")

    def __str__(self) -> str:
        return f"{self.attempt_id} audio {self.captured_at:%H:%M:%S}"


class SnapshotPlan(models.Model):
    """The random times at which an attempt's frames are kept as snapshots (R-PROC-4), drawn
    once per attempt so they cannot be predicted from the clock."""

    attempt = models.OneToOneField(
        "exams.Attempt", on_delete=models.CASCADE, related_name="snapshot_plan"
    )
    due = models.JSONField(_("due times"), default=list)  # ISO times not yet taken, sorted

    class Meta:
        db_table = "vision_snapshotplan"
        verbose_name = _("snapshot plan")
        verbose_name_plural = _("snapshot plans")

    def __str__(self) -> str:
        return f"snapshots of {self.attempt_id}"
