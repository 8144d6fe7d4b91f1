"""``manage.py verify_evidence FILE``: check an evidence package (``custody.verify``) and say
whether it is intact or which item is the first that is not. Exits 0 for an intact package,
1 for a refused one, so a script can rely on it. With ``--public-key`` it trusts only the keys
given, so a copy of the platform without its signing key (an auditor's) can verify too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from custody import keys
from custody.verify import verify


class Command(BaseCommand):
    help = "Verify an attempt's evidence package (signature, every item's hash, the hash chain)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the package (.zip)")
        parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            help="trust this public key (base64, as `evidence_key` prints it) instead of the "
            "platform's keys; may be given more than once",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        trusted = None
        if options["public_key"]:
            try:
                parsed = [keys.parse_public(text) for text in options["public_key"]]
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
            trusted = {keys.key_id(key): key for key in parsed}
        verdict = verify(str(path), trusted)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": verdict.ok,
                        "reason": verdict.reason,
                        "item": verdict.item,
                        "attempt": verdict.attempt_id,
                        "key_id": verdict.key_id,
                        "items": len(verdict.items),
                        "chain_head": verdict.chain_head,
                    },
                    ensure_ascii=False,
                )
            )
        elif verdict.ok:
            self.stdout.write(
                f"{verdict.reason}\nattempt {verdict.attempt_id}, {len(verdict.items)} items, "
                f"key {verdict.key_id}, chain head {verdict.chain_head}"
            )
        else:
            self.stderr.write(verdict.reason)
            if verdict.item:
                self.stderr.write(f"item: {verdict.item}")
        if not verdict.ok:
            raise SystemExit(1)
