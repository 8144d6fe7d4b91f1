"""``manage.py evaluate_voice [--speech-dir DIR] [--noise FILE...] [--json]``: precision and
recall of the energy detector and of Silero VAD on real speech mixed with room noise and key
clicks at measured signal-to-noise ratios, and on the noises alone (vision.voice_evaluation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vision import voice_evaluation


class Command(BaseCommand):
    help = "Compare the voice detectors (energy, Silero VAD) on speech against noise and typing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--data", type=Path, default=None, help="the shared media folder")
        parser.add_argument(
            "--speech-dir", type=Path, default=None, help="clean spoken clips, one WAV each"
        )
        parser.add_argument("--noise", type=Path, nargs="*", default=[], help="noise WAV files")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        data = options["data"] or Path(settings.SHARED_DATA_DIR)
        speech_dir = options["speech_dir"]
        if speech_dir is not None and not speech_dir.is_dir():
            raise CommandError(f"{speech_dir}: not a folder")
        for path in options["noise"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        clips, sources = voice_evaluation.corpus(
            data, speech_dir=speech_dir, noise_files=options["noise"]
        )
        if not any(clip.speech for clip in clips):
            raise CommandError(f"no speech found under {data}")
        report = voice_evaluation.evaluate(clips, settings.VISION_VOICE_RATIO, sources)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2))
        else:
            self.stdout.write(voice_evaluation.table(report))
