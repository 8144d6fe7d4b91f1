"""The labelled scenario corpus of ``evaluate_vision``: camera sessions built from the real
photos and footage of ``SHARED_DATA_DIR`` at run time (nothing generated is stored).

A scenario is one candidate's camera over some minutes, sampled as production samples it: one
frame every ``WEBRTC_SAMPLE_EVERY_SECONDS``. The picture comes from the candidate's *footage*:

- a real clip (``video/*.y4m``): each sample one of the clip's frames, drawn by the seeded
  generator;
- or a person's photos (``faces/PERSON_N.jpg``), each sample one of them framed as a webcam
  frames a face, with a small seeded change of position, zoom, light and sensor noise, since a
  live camera never sends the same picture twice.

Attacks are composited on the footage for a scripted window, from real images only: the phone
in a hand cut from ``scenes/person_phone_1.jpg``, the surgical mask of ``face_masked_1.jpg``,
the hand over an eye of ``face_covered_hand_1.jpg``, another person's photo beside the
candidate, a printed photo (a photo with a white border) held up, the empty room of
``empty_room_1.jpg``, and another person's footage against the candidate's enrolment. Every
random choice comes from a generator seeded by the scenario, so two runs build the same frames.

``manifest()`` is the corpus: the people, the honest sessions and the attacks, each with the
alert kinds that must catch it (``expected``) and those that may also fire without counting as
false (``tolerated``: a mask over the face also spoils the identity distance).
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from vision import faces
from vision.images import load_image
from vision.video import read_y4m

FRAME_W, FRAME_H = 640, 360  # the still footage is framed to the talking clip's size


@dataclass(frozen=True)
class Person:
    """A face of the data: the photo they enrol with, and their honest footage."""

    name: str
    enrolment: str  # faces/…
    clip: str = ""  # video/… (looped), or
    clip_frames: tuple[int, int] = (0, 0)  # the clip's usable frames [first, end)
    photos: tuple[str, ...] = ()  # faces/… used as still footage


# The clips' frames that show a candidate at a camera. The talking clip cuts to the audience
# (several people, nobody facing the camera) from frame 50: not an honest webcam picture, so it
# is left out. Its motion-blurred frames 3-4 stay in: real cameras blur too.
PEOPLE: tuple[Person, ...] = (
    Person(
        "lin_manuel_miranda",
        "lin_manuel_miranda_1.jpg",
        clip="talking_face_640x360_15fps.y4m",
        clip_frames=(0, 50),
    ),
    Person(
        "headpose_male",
        "headpose_male_2.jpg",
        clip="webcam_head_pose_480x270_15fps.y4m",
        clip_frames=(0, 77),
    ),
    # obama_2.jpg is left out of the footage: people stand behind him (YOLO sees a second person
    # at 0.53-0.71), which is no honest exam picture. It is still printed and held up.
    Person("obama", "obama_1.jpg", photos=("obama_3.jpg", "obama_4.jpg")),
    Person("biden", "biden_1.jpg", photos=("biden_2.jpg",)),
    Person(
        "alex_lacamoire",
        "alex_lacamoire_1.jpg",
        photos=("alex_lacamoire_2.jpg", "alex_lacamoire_3.jpg"),
    ),
)
BY_NAME = {p.name: p for p in PEOPLE}
# Photos of each candidate other than the enrolment one, for the printed photo held up.
PRINTABLE = {
    "lin_manuel_miranda": ("lin_manuel_miranda_2.jpg",),
    "headpose_male": ("headpose_male_1.jpg",),
    "obama": ("obama_2.jpg", "obama_3.jpg", "obama_4.jpg"),
    "biden": ("biden_2.jpg",),
    "alex_lacamoire": ("alex_lacamoire_2.jpg", "alex_lacamoire_3.jpg"),
}
# Whose footage plays the impostor of each candidate (different_person and the printed photo).
IMPOSTOR = {
    "obama": "biden",
    "biden": "alex_lacamoire",
    "alex_lacamoire": "lin_manuel_miranda",
    "lin_manuel_miranda": "headpose_male",
    "headpose_male": "obama",
}


@dataclass(frozen=True)
class Attack:
    kind: str  # the compositing (one of COMPOSITES)
    expected: tuple[str, ...]
    tolerated: tuple[str, ...] = ()


ATTACKS: dict[str, Attack] = {
    "phone": Attack("phone", ("device",), ("face_covered", "looking_away")),
    # A second computer open on the desk, at the bottom of the picture.
    "laptop": Attack("laptop", ("device",), ("looking_away",)),
    "second_person": Attack(
        "second_person", ("extra_person",), ("face_covered", "different_person", "looking_away")
    ),
    "empty_seat": Attack("empty_seat", ("left_seat",)),
    "mask": Attack("mask", ("face_covered",), ("different_person", "looking_away")),
    "hand_over_face": Attack(
        "hand_over_face", ("face_covered",), ("different_person", "looking_away")
    ),
    "printed_photo_beside": Attack(
        "printed_photo_beside", ("extra_person",), ("different_person", "looking_away")
    ),
    # An impostor holds a printed photo of the enrolled candidate in front of their own face.
    "printed_photo_in_front": Attack(
        "printed_photo_in_front",
        ("different_person", "face_covered"),
        ("extra_person", "looking_away"),
    ),
    # Someone else sits the exam: their footage against the candidate's enrolment.
    "different_person": Attack("different_person", ("different_person",), ("looking_away",)),
}


@dataclass(frozen=True)
class Scenario:
    name: str
    person: str  # the enrolled candidate
    seconds: float
    seed: int
    attack: str = ""  # a key of ATTACKS, "" for an honest session
    start: float = 0.0  # the attack's window [start, end) in session seconds
    end: float = 0.0

    @property
    def honest(self) -> bool:
        return not self.attack

    @property
    def footage(self) -> str:
        """Whose face the camera shows outside a composited object."""
        if self.attack in ("different_person", "printed_photo_in_front"):
            return IMPOSTOR[self.person]
        return self.person


def _seed(*parts: object) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def manifest(
    *, honest_per_person: int = 4, honest_seconds: float = 180.0, attack_repeats: int = 2
) -> list[Scenario]:
    """The corpus: per person, ``honest_per_person`` honest sessions of ``honest_seconds`` and
    ``attack_repeats`` sessions of every attack. An attack session is 15 s honest, 30 s of the
    attack (six samples at the default cadence), 15 s honest; an impostor sits the whole 60 s."""
    out: list[Scenario] = []
    for person in PEOPLE:
        for i in range(honest_per_person):
            out.append(
                Scenario(
                    f"honest/{person.name}/{i}",
                    person.name,
                    honest_seconds,
                    _seed("honest", person.name, i),
                )
            )
        for name in ATTACKS:
            for i in range(attack_repeats):
                whole = name == "different_person"
                out.append(
                    Scenario(
                        f"{name}/{person.name}/{i}",
                        person.name,
                        60.0,
                        _seed(name, person.name, i),
                        attack=name,
                        start=0.0 if whole else 15.0 + i * 1.5,
                        end=60.0 if whole else 45.0 + i * 1.5,
                    )
                )
    return out


def ci_manifest() -> list[Scenario]:
    """The small subset the test suite replays (158 frames): one honest session of each
    clip and of one photographed person, and each attack once on different people."""
    honest = [
        Scenario("honest/lin_manuel_miranda/ci", "lin_manuel_miranda", 120.0, 11),
        Scenario("honest/headpose_male/ci", "headpose_male", 120.0, 12),
        Scenario("honest/obama/ci", "obama", 120.0, 13),
    ]
    rotation = [p.name for p in PEOPLE]
    attacks = [
        Scenario(
            f"{name}/{rotation[i % len(rotation)]}/ci",
            rotation[i % len(rotation)],
            50.0 if name != "different_person" else 30.0,
            100 + i,
            attack=name,
            start=0.0 if name == "different_person" else 15.0,
            end=30.0 if name == "different_person" else 40.0,
        )
        for i, name in enumerate(ATTACKS)
    ]
    return honest + attacks


# -- images -----------------------------------------------------------------------------------


class Library:
    """The shared images, read once, with the face boxes the compositing places things by."""

    def __init__(self, data: Path | None = None) -> None:
        self.data = Path(data or settings.SHARED_DATA_DIR)

    @functools.cache  # noqa: B019 - one library per run, kept for the run
    def image(self, relative: str) -> np.ndarray:
        return load_image((self.data / relative).read_bytes())

    @functools.cache  # noqa: B019
    def clip(self, name: str) -> list[np.ndarray]:
        return list(read_y4m(self.data / "video" / name))

    @functools.cache  # noqa: B019
    def face_box(self, relative: str) -> faces.FaceBox:
        image = self.image(relative)
        boxes = faces.detect_faces(image, max_side=max(image.shape[:2]), upsample=1)
        return max(boxes, key=lambda b: b.size)

    @functools.cache  # noqa: B019
    def clip_boxes(self, name: str) -> list[faces.FaceBox | None]:
        """Each clip frame's face box; frames without one borrow the nearest found."""
        found: list[faces.FaceBox | None] = []
        for frame in self.clip(name):
            boxes = faces.detect_faces(frame, max_side=max(frame.shape[:2]), upsample=1)
            found.append(max(boxes, key=lambda b: b.size) if boxes else None)
        known = [i for i, b in enumerate(found) if b is not None]
        return [
            b if b is not None else found[min(known, key=lambda k: abs(k - i))]
            for i, b in enumerate(found)
        ]

    @functools.cache  # noqa: B019
    def encoding(self, photo: str) -> np.ndarray:
        relative = f"faces/{photo}"
        return faces.encode(self.image(relative), self.face_box(relative))


Box = tuple[int, int, int, int]  # top, right, bottom, left in the frame


def _frame_photo(
    image: np.ndarray, face: faces.FaceBox, rng: np.random.Generator
) -> tuple[np.ndarray, Box]:
    """Crop a photo as a webcam frames a seated candidate (the face about a third of the
    height, a little above the middle), with a small random zoom and shift."""
    import cv2

    ih, iw = image.shape[:2]
    fh = face.bottom - face.top
    h = fh * 2.8 * rng.uniform(0.92, 1.08)
    h = min(h, ih, iw * FRAME_H / FRAME_W)
    w = h * FRAME_W / FRAME_H
    cx = (face.left + face.right) / 2 + rng.uniform(-0.06, 0.06) * w
    cy = (face.top + face.bottom) / 2 + h * 0.08 + rng.uniform(-0.05, 0.05) * h
    x0 = int(np.clip(cx - w / 2, 0, iw - w))
    y0 = int(np.clip(cy - h / 2, 0, ih - h))
    crop = image[y0 : y0 + int(h), x0 : x0 + int(w)]
    scale = FRAME_W / crop.shape[1]
    out = cv2.resize(crop, (FRAME_W, FRAME_H), interpolation=cv2.INTER_AREA)
    box = (
        int((face.top - y0) * scale),
        int((face.right - x0) * scale),
        int((face.bottom - y0) * scale),
        int((face.left - x0) * scale),
    )
    return out, box


def _camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light and sensor noise of a webcam: gain, offset and grain."""
    out = image.astype(np.float32) * rng.uniform(0.88, 1.1) + rng.uniform(-12, 12)
    out += rng.normal(0, 2.0, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def _ellipse_alpha(h: int, w: int, feather: float = 0.15) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    r = ((xx - (w - 1) / 2) / (w / 2)) ** 2 + ((yy - (h - 1) / 2) / (h / 2)) ** 2
    return np.clip((1 - r) / feather, 0, 1)[..., None].astype(np.float32)


def _paste(
    frame: np.ndarray,
    patch: np.ndarray,
    top: int,
    left: int,
    alpha: np.ndarray | None = None,
) -> None:
    """Blend ``patch`` into ``frame`` at (top, left), clipped to the frame (in place)."""
    fh, fw = frame.shape[:2]
    ph, pw = patch.shape[:2]
    t0, l0 = max(0, top), max(0, left)
    t1, l1 = min(fh, top + ph), min(fw, left + pw)
    if t1 <= t0 or l1 <= l0:
        return
    piece = patch[t0 - top : t1 - top, l0 - left : l1 - left].astype(np.float32)
    a = 1.0 if alpha is None else alpha[t0 - top : t1 - top, l0 - left : l1 - left]
    region = frame[t0:t1, l0:l1].astype(np.float32)
    frame[t0:t1, l0:l1] = np.clip(piece * a + region * (1 - a), 0, 255).astype(np.uint8)


def _resized(image: np.ndarray, width: float) -> np.ndarray:
    import cv2

    width = max(8, int(width))
    height = max(8, int(image.shape[0] * width / image.shape[1]))
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


# Regions cut from the scenes (left, top, right, bottom in the source photo), checked by eye.
PHONE_IN_HAND = ("scenes/person_phone_1.jpg", (300, 70, 395, 172))
SURGICAL_MASK = ("scenes/face_masked_1.jpg", (200, 104, 334, 216))
HAND_OVER_EYE = ("scenes/face_covered_hand_1.jpg", (76, 48, 146, 252))
OPEN_LAPTOP = ("scenes/empty_room_laptop_1.jpg", (285, 126, 498, 268))
EMPTY_ROOM = "scenes/empty_room_1.jpg"


def _cut(lib: Library, source: tuple[str, Box]) -> np.ndarray:
    path, (left, top, right, bottom) = source
    return lib.image(path)[top:bottom, left:right]


class Builder:
    """Builds the frames of one scenario (deterministic for its seed)."""

    def __init__(self, lib: Library, scenario: Scenario) -> None:
        self.lib = lib
        self.scenario = scenario
        self.attack = ATTACKS.get(scenario.attack)

    def frame(self, t: float) -> np.ndarray:
        s = self.scenario
        rng = np.random.default_rng([s.seed, int(t * 1000)])
        in_window = self.attack is not None and s.start <= t < s.end
        kind = self.attack.kind if self.attack and in_window else ""
        if kind == "empty_seat":
            return self._empty(rng)
        who = s.footage if kind in ("different_person", "printed_photo_in_front") else s.person
        frame, box = self._footage(BY_NAME[who], t, rng)
        if kind:
            COMPOSITES[kind](self, frame, box, rng)
        return frame

    def _footage(
        self, person: Person, t: float, rng: np.random.Generator
    ) -> tuple[np.ndarray, Box]:
        if person.clip:
            # A seeded frame of the clip's usable part for each sample. Looping the clip as the
            # fake camera does would show a 50-frame loop at 5 s steps as two frames only (75
            # frames a step, 25 modulo 50); a real session shows a new moment every sample.
            frames = self.lib.clip(person.clip)
            first, end = person.clip_frames
            index = first + int(rng.integers(end - first))
            b = self.lib.clip_boxes(person.clip)[index]
            assert b is not None
            return frames[index].copy(), (b.top, b.right, b.bottom, b.left)
        photo = f"faces/{person.photos[int(rng.integers(len(person.photos)))]}"
        frame, box = _frame_photo(self.lib.image(photo), self.lib.face_box(photo), rng)
        return _camera(frame, rng), box

    def _empty(self, rng: np.random.Generator) -> np.ndarray:
        import cv2

        room = self.lib.image(EMPTY_ROOM)
        ih, iw = room.shape[:2]
        w = iw * rng.uniform(0.8, 1.0)
        h = min(ih, w * FRAME_H / FRAME_W)
        x0 = int(rng.uniform(0, iw - w))
        y0 = int(rng.uniform(0, ih - h))
        crop = room[y0 : y0 + int(h), x0 : x0 + int(w)]
        return _camera(cv2.resize(crop, (FRAME_W, FRAME_H), interpolation=cv2.INTER_AREA), rng)

    # -- composites: each draws on ``frame`` in place, placed by the candidate's face box --------

    def phone(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        top, right, bottom, left = box
        fh = bottom - top
        patch = _resized(_cut(self.lib, PHONE_IN_HAND), fh * rng.uniform(0.9, 1.2))
        side = rng.choice([-1, 1])
        x = right + int(fh * 0.05) if side > 0 else left - patch.shape[1] - int(fh * 0.05)
        y = top + int(fh * rng.uniform(0.1, 0.6))
        _paste(frame, patch, y, x, _ellipse_alpha(patch.shape[0], patch.shape[1], feather=0.3))

    def laptop(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        h, w = frame.shape[:2]
        patch = _resized(_cut(self.lib, OPEN_LAPTOP), w * rng.uniform(0.3, 0.4))
        _top, right, _bottom, left = box
        x = (
            int(w * rng.uniform(0.0, 0.05))
            if (left + right) / 2 > w / 2
            else int(w * rng.uniform(0.95, 1.0) - patch.shape[1])
        )
        _paste(frame, patch, h - patch.shape[0] + int(rng.uniform(0, 0.15) * patch.shape[0]), x)

    def second_person(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        other = IMPOSTOR[self.scenario.person]
        person = BY_NAME[other]
        source = person.enrolment
        photo = f"faces/{source}"
        image, face = self.lib.image(photo), self.lib.face_box(photo)
        fh = face.bottom - face.top
        # head and shoulders of the other person
        t0 = max(0, face.top - int(fh * 0.5))
        b0 = min(image.shape[0], face.bottom + int(fh * 0.9))
        l0 = max(0, face.left - int(fh * 0.6))
        r0 = min(image.shape[1], face.right + int(fh * 0.6))
        crop = image[t0:b0, l0:r0]
        top, right, bottom, left = box
        scale = (bottom - top) * rng.uniform(0.7, 0.9) / fh
        patch = _resized(crop, crop.shape[1] * scale)
        h, w = frame.shape[:2]
        # Right beside the candidate, on the side with more room, partly out of the picture when
        # the candidate sits close to the camera; the candidate's own face stays uncovered.
        pw = patch.shape[1]
        margin = int((right - left) * 0.05)
        x = left - margin - pw if left > w - right else right + margin
        rng.uniform(0, 0.08)  # an unused draw, kept so that the seeded frames stay the measured
        y = int(h * rng.uniform(0.02, 0.2))
        _paste(frame, patch, y, x, _ellipse_alpha(patch.shape[0], patch.shape[1], feather=0.25))

    def _cover(self, frame: np.ndarray, patch: np.ndarray, top: int, left: int) -> None:
        _paste(frame, patch, top, left, _ellipse_alpha(patch.shape[0], patch.shape[1], feather=0.2))

    def mask(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        top, right, bottom, left = box
        fw, fh = right - left, bottom - top
        patch = _resized(_cut(self.lib, SURGICAL_MASK), fw * rng.uniform(1.15, 1.3))
        cx = (left + right) // 2 + int(rng.uniform(-0.05, 0.05) * fw)
        self._cover(frame, patch, top + int(fh * rng.uniform(0.42, 0.5)), cx - patch.shape[1] // 2)

    def hand_over_face(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        top, right, bottom, left = box
        fw, fh = right - left, bottom - top
        patch = _resized(_cut(self.lib, HAND_OVER_EYE), fw * rng.uniform(0.55, 0.7))
        x = left + int(fw * rng.uniform(-0.05, 0.15))
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
            x = right - patch.shape[1] - int(fw * rng.uniform(-0.05, 0.15))
        self._cover(frame, patch, top - int(fh * rng.uniform(0.2, 0.35)), x)

    def _print(self, photo: str, height: int, rng: np.random.Generator) -> np.ndarray:
        """A printed photo: the face and shoulders on paper, a white border, duller colours."""
        image, face = self.lib.image(photo), self.lib.face_box(photo)
        fh = face.bottom - face.top
        t0 = max(0, face.top - int(fh * 0.45))
        b0 = min(image.shape[0], face.bottom + int(fh * 0.45))
        l0 = max(0, face.left - int(fh * 0.35))
        r0 = min(image.shape[1], face.right + int(fh * 0.35))
        crop = image[t0:b0, l0:r0].astype(np.float32)
        crop = crop * 0.82 + 30  # paper: less contrast, lifted blacks
        printed = _resized(crop.astype(np.uint8), height * crop.shape[1] / crop.shape[0])
        border = max(3, height // 14)
        paper = np.full(
            (printed.shape[0] + 2 * border, printed.shape[1] + 2 * border, 3), 235, np.uint8
        )
        paper[border:-border, border:-border] = printed
        return paper

    def printed_photo_beside(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        top, right, bottom, left = box
        fh = bottom - top
        other = BY_NAME[IMPOSTOR[self.scenario.person]]
        paper = self._print(f"faces/{other.enrolment}", int(fh * rng.uniform(1.3, 1.6)), rng)
        w = frame.shape[1]
        x = (
            right + int(fh * 0.15)
            if (left + right) / 2 < w / 2
            else left - paper.shape[1] - int(fh * 0.15)
        )
        _paste(frame, paper, top - int(fh * rng.uniform(0.0, 0.3)), x)

    def printed_photo_in_front(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        top, right, bottom, left = box
        fh = bottom - top
        photos = PRINTABLE[self.scenario.person]
        photo = f"faces/{photos[int(rng.integers(len(photos)))]}"
        paper = self._print(photo, int(fh * rng.uniform(1.6, 1.9)), rng)
        cx, cy = (left + right) // 2, (top + bottom) // 2
        _paste(
            frame,
            paper,
            cy - paper.shape[0] // 2 + int(rng.uniform(-0.1, 0.1) * fh),
            cx - paper.shape[1] // 2 + int(rng.uniform(-0.1, 0.1) * fh),
        )

    def different_person(self, frame: np.ndarray, box: Box, rng: np.random.Generator) -> None:
        """Nothing to draw: the impostor's own footage is the frame."""


COMPOSITES = {
    name: getattr(Builder, name)
    for name in (
        "phone",
        "laptop",
        "second_person",
        "mask",
        "hand_over_face",
        "printed_photo_beside",
        "printed_photo_in_front",
        "different_person",
    )
}
