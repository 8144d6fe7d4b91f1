"""``manage.py evidence_key``: the id and the public half of the key that signs evidence
packages now, and of the older keys still trusted. Publish the public key to whoever checks
packages outside the platform; before a rotation, add it to ``EVIDENCE_VERIFY_KEYS``. The
private key is never printed."""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand

from custody import keys


class Command(BaseCommand):
    help = "Print the id and public key of the evidence signing key and of older trusted keys."

    def handle(self, *args: Any, **options: Any) -> None:
        current = keys.signing_key().public_key()
        current_id = keys.key_id(current)
        self.stdout.write(
            f"signing {current_id} {base64.b64encode(keys.raw_public(current)).decode()}"
        )
        for key_id, key in keys.trusted_keys().items():
            if key_id != current_id:
                public = base64.b64encode(keys.raw_public(key)).decode()
                self.stdout.write(f"trusted {key_id} {public}")
