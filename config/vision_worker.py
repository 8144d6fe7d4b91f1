"""What a worker of the ``vision`` queue must have before it takes a task, checked when it starts
(``config.celery``): the face-template key, and every library its tasks import when they run.

The tasks import their libraries lazily (a worker of the default queue imports the same task
modules without them), so without this check a vision worker built from the wrong image, or
started without ``FACE_TEMPLATE_KEY``, would start, take tasks and fail each one. No other
process encrypts or decrypts face templates, so no other process is given the key.
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Faces (face_recognition on dlib), image work (OpenCV) and the recordings' audio (PyAV, through
# proctoring.segment_audio): the vision-core extra of pyproject.toml.
MODULES = ("face_recognition", "dlib", "cv2", "proctoring.segment_audio")


def runtime_modules() -> tuple[str, ...]:
    """The YOLO runtime the settings select: LiteRT for .tflite weights, Ultralytics (the vision
    extra) otherwise."""
    from vision import objects

    return ("ai_edge_litert.interpreter",) if objects.uses_lite() else ("ultralytics",)


def voice_modules() -> tuple[str, ...]:
    """Silero VAD, the default talking detector, runs on onnxruntime (vision.vad)."""
    from django.conf import settings

    return ("onnxruntime",) if settings.VISION_VOICE_DETECTOR == "silero" else ()


def check() -> None:
    """Raise ``ImproperlyConfigured`` saying what is missing."""
    from vision import crypto

    crypto.check_key()
    if voice_modules():
        from vision import vad

        try:
            vad.model_path()  # the model file inside the silero-vad package, never downloaded
        except vad.VadUnavailable as exc:
            raise ImproperlyConfigured(
                f"a vision worker needs Silero VAD's model ({exc}): install silero-vad with "
                "--no-deps (bin/install-image), or set VISION_VOICE_DETECTOR=energy."
            ) from exc
    for name in (*MODULES, *runtime_modules(), *voice_modules()):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"a vision worker needs {name} ({exc}): run it from the image of the Dockerfile's "
                "vision target (the vision-core extra; vision for VISION_YOLO_RUNTIME=ultralytics "
                "or weights by name)."
            ) from exc
    if settings.VISION_FACE_DETECTOR == "blazeface":
        from vision import blazeface

        try:
            blazeface.weights_dir()
        except FileNotFoundError as exc:
            raise ImproperlyConfigured(
                f"a vision worker with VISION_FACE_DETECTOR=blazeface needs {exc}: install "
                '"mediapipe==0.10.21" with --no-deps (as bin/install-image does), or set '
                "VISION_FACE_DETECTOR=hog."
            ) from exc
