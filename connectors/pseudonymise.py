"""Keyed hashing of personal identifiers, applied by every connector before anything is written.

A keyed hash (HMAC-SHA256) links the same citizen across systems without revealing who it is; without
the key, nobody can rebuild the hash from a national register number by trying them all (there are
only about 10^11 of them, so a plain hash would be reversible).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable

from connectors.secrets import SecretError, secret_bytes_from_environment

logger = logging.getLogger(__name__)

# A fixed key for demo data only: demo data holds invented people, and a fixed key makes demo runs
# reproducible. Never used outside demo mode.
DEMO_KEY = b"civiclake-demo-key-not-for-production"


class MissingKeyError(RuntimeError):
    """No pseudonymisation key outside demo mode: refusing to write personal data."""


class Pseudonymiser:
    """Replaces identifiers by HMAC-SHA256 hex digests under one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes long")
        self._key = key

    def __repr__(self) -> str:  # never show the key, even in a debugger or a log line
        return "Pseudonymiser(key=<hidden>)"

    @classmethod
    def from_environment(
        cls,
        demo: bool,
        key_env: str = "CIVICLAKE_PSEUDONYMISATION_KEY",
        key_file_env: str = "CIVICLAKE_PSEUDONYMISATION_KEY_FILE",
    ) -> Pseudonymiser:
        """The key from $key_env, or from the file named by $key_file_env; the demo key in demo mode.

        The key is registered as a secret (connectors/secrets.py): no log record ever shows it.
        """
        try:
            value = secret_bytes_from_environment(key_env, key_file_env)
        except SecretError as error:
            raise MissingKeyError(f"the pseudonymisation key cannot be read: {error}") from None
        if value is not None:
            return cls(value)
        if demo:
            logger.info("demo mode: pseudonymising with the built-in demo key")
            return cls(DEMO_KEY)
        raise MissingKeyError(
            f"no pseudonymisation key: set ${key_env} (the key itself) or ${key_file_env} "
            "(a file holding it). Outside demo mode civiclake refuses to run without one."
        )

    def hash(self, value: str | None, namespace: str = "") -> str | None:
        """The keyed hash of one identifier; `namespace` keeps kinds of identifiers apart."""
        if value is None or value == "":
            return None
        message = f"{namespace}:{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def hash_many(self, values: Iterable[str | None], namespace: str = "") -> list[str | None]:
        return [self.hash(value, namespace) for value in values]


_NON_DIGITS = re.compile(r"\D")


def normalise_national_number(value: str | None) -> str | None:
    """A Belgian national register number as its 11 digits, or None when it is not a valid one.

    The check digits are 97 minus the first nine digits modulo 97; for people born from 2000 on, the
    nine digits are prefixed with a 2 before the modulo.
    """
    if value is None:
        return None
    digits = _NON_DIGITS.sub("", str(value))
    if len(digits) != 11:
        return None
    body, check = int(digits[:9]), int(digits[9:])
    if 97 - body % 97 == check or 97 - int("2" + digits[:9]) % 97 == check:
        return digits
    return None


def citizen_key(pseudonymiser: Pseudonymiser, national_number: str | None) -> str | None:
    """The citizen key shared by every system that knows the person's national register number."""
    return pseudonymiser.hash(normalise_national_number(national_number), namespace="citizen")
