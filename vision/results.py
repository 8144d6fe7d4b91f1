"""The typed result of analysing one camera frame (``vision.analysis.analyse``).

This is the contract between the vision compute layer and whoever turns results into decisions
(the alert rules in ``proctoring``): plain frozen values, no database, no Django models.
``FrameResult.to_json()`` is the stored form (``FrameAnalysis.result``); its keys and values are
exactly those of the dict the analysis returned before it was typed, so rows written earlier and
rows written now read the same. ``FrameResult.from_json()`` reads that form back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from vision.faces import FaceBox
from vision.objects import Detection


def _detection(data: Mapping[str, Any]) -> Detection:
    return Detection(
        label=str(data["label"]),
        confidence=float(data["confidence"]),
        box=tuple(data["box"]),  # JSON gives a list of four ints
    )


def rounded(detection: Detection) -> Detection:
    """``detection`` with its confidence rounded as stored, so rules read the same numbers from
    a fresh result as from a stored one."""
    return Detection(detection.label, round(detection.confidence, 3), detection.box)


@dataclass(frozen=True)
class Identity:
    """The frame's face against the candidate's enrolment; ``reused`` when the decision was
    carried forward from an earlier frame of the same stream instead of encoded again."""

    distance: float
    threshold: float
    match: bool
    reused: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Identity:
        return cls(
            distance=data["distance"],
            threshold=data["threshold"],
            match=bool(data["match"]),
            reused=bool(data.get("reused", False)),
        )


@dataclass(frozen=True)
class Covered:
    """Whether the candidate's face is covered, and which part (``""``, ``"mouth"``, ``"eye"``)."""

    covered: bool
    part: str
    lower_skin: float
    eye_ratio: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Covered:
        return cls(
            covered=bool(data["covered"]),
            part=str(data["part"]),
            lower_skin=data["lower_skin"],
            eye_ratio=data["eye_ratio"],
        )


@dataclass(frozen=True)
class LookingAway:
    """The head turn (``yaw``, about 0 facing the camera, ±1 in profile) and its verdict."""

    yaw: float
    away: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LookingAway:
        return cls(yaw=data["yaw"], away=bool(data["away"]))


@dataclass(frozen=True)
class Faces:
    count: int
    boxes: tuple[FaceBox, ...]

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "boxes": [b.to_dict() for b in self.boxes]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Faces:
        return cls(count=int(data["count"]), boxes=tuple(FaceBox(**b) for b in data["boxes"]))


@dataclass(frozen=True)
class FrameResult:
    """Everything one frame showed. Detections carry confidences rounded to 3 places (as
    stored); ``persons`` and ``devices`` are subsets of ``objects``. ``identity``, ``covered``
    and ``looking_away`` are None unless exactly one face was found (and, for identity, an
    enrolment exists). ``reused`` is True when the whole result was carried over from the
    stream's last full analysis because the picture did not change (``motion`` then says how
    much it moved, in grey levels); ``timings_ms`` are per-stage wall times."""

    view: int
    size: tuple[int, int]  # width, height
    pipeline: str
    persons: tuple[Detection, ...]
    devices: tuple[Detection, ...]
    objects: tuple[Detection, ...]
    faces: Faces
    identity: Identity | None
    covered: Covered | None
    looking_away: LookingAway | None
    models: Mapping[str, str]
    reused: bool
    timings_ms: Mapping[str, float]
    motion: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form: the same keys as ever, ``motion`` only on a reused result."""
        out: dict[str, Any] = {
            "view": self.view,
            "size": list(self.size),
            "pipeline": self.pipeline,
            "persons": [d.to_dict() for d in self.persons],
            "devices": [d.to_dict() for d in self.devices],
            "objects": [d.to_dict() for d in self.objects],
            "faces": self.faces.to_json(),
            "identity": None if self.identity is None else self.identity.to_json(),
            "covered": None if self.covered is None else self.covered.to_json(),
            "looking_away": None if self.looking_away is None else self.looking_away.to_json(),
            "models": dict(self.models),
            "reused": self.reused,
            "timings_ms": dict(self.timings_ms),
        }
        if self.motion is not None:
            out["motion"] = self.motion
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FrameResult:
        """Read a stored result back. Raises ``KeyError`` for a row that is not a result (an
        ``{"error": ...}`` row of a frame that could not be read)."""
        identity, covered, looking = (
            data.get("identity"),
            data.get("covered"),
            data.get("looking_away"),
        )
        width, height = data["size"]
        return cls(
            view=int(data.get("view", 1)),
            size=(int(width), int(height)),
            pipeline=str(data.get("pipeline", "production")),
            persons=tuple(_detection(d) for d in data["persons"]),
            devices=tuple(_detection(d) for d in data["devices"]),
            objects=tuple(_detection(d) for d in data.get("objects", ())),
            faces=Faces.from_json(data["faces"]),
            identity=None if not identity else Identity.from_json(identity),
            covered=None if not covered else Covered.from_json(covered),
            looking_away=None if not looking else LookingAway.from_json(looking),
            models=dict(data.get("models", {})),
            reused=bool(data.get("reused", False)),
            timings_ms=dict(data.get("timings_ms", {})),
            motion=data.get("motion"),
        )
