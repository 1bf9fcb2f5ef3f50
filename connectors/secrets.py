"""Secrets (the pseudonymisation key, API credentials and tokens): read from the environment, never shown.

A secret comes from an environment variable holding it, or from a file named by a second variable
(`<NAME>_FILE` by convention: Docker and Kubernetes mount secrets as files). Never from the
configuration file, which is shared, versioned and printed in error messages.

Every secret read here, and every access token a connector obtains, is registered: from then on it is
replaced by `<hidden>` in every log record of the process (its message, arguments and traceback), so
that a careless log line cannot write it to a console, a Dagster event log or a log file. Error
messages are built without secrets in the first place; `redact` is the safety net for text quoted from
elsewhere (a server's error body that echoes what it was sent).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from urllib.parse import quote, quote_plus

HIDDEN = "<hidden>"
# Shorter values are not redacted: replacing "1" or "abc" everywhere would garble logs, and such a
# value is no secret anyway (the pseudonymisation key needs 16 bytes).
MIN_REDACTED_LENGTH = 8

_lock = threading.Lock()
_secrets: set[str] = set()
_factory_installed = False


class SecretError(RuntimeError):
    """A secret that is missing or cannot be read. The message names variables and files, never a value."""


def register_secret(value: str | bytes | None) -> None:
    """Hide `value` (and its URL-encoded forms, as it travels in form bodies) from every log record."""
    if value is None:
        return
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
    if len(text) < MIN_REDACTED_LENGTH:
        return
    with _lock:
        _secrets.update({text, quote(text, safe=""), quote_plus(text)})
    _install_log_redaction()


def redact(text: str) -> str:
    """`text` with every registered secret replaced by <hidden>, longest first."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def secret_from_environment(name: str, file_env: str | None = None) -> str | None:
    """The value of $name, else the content of the file named by $file_env (default `<name>_FILE`).

    None when neither is set. A file that cannot be read, or is empty, is an error naming the
    variable and the file. Whitespace around a file's content (the newline `echo` writes) is dropped.
    """
    value = secret_bytes_from_environment(name, file_env)
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(f"${file_env or name + '_FILE'}: the secret is not UTF-8 text") from None


def secret_bytes_from_environment(name: str, file_env: str | None = None) -> bytes | None:
    """As `secret_from_environment`, as bytes: a key file may hold random bytes."""
    file_env = file_env or f"{name}_FILE"
    if value := os.environ.get(name):
        register_secret(value)
        return value.encode("utf-8")
    location = os.environ.get(file_env)
    if not location:
        return None
    try:
        content = Path(location).read_bytes().strip()
    except OSError as error:
        # `from None`: nothing of the file may travel with the error.
        raise SecretError(f"${file_env} names {location}, which cannot be read: {error.strerror}") from None
    if not content:
        raise SecretError(f"${file_env} names {location}, which is empty")
    register_secret(content)
    return content


class _RedactingRecordFactory:
    """Wraps the log record factory: every record leaves the factory with its secrets hidden.

    A factory, not a filter: a filter sees only records of the logger or handler it is attached to,
    while every record of the process (Dagster's, dbt's adapters', ours) is made by the factory.
    """

    def __init__(self, inner) -> None:  # noqa: ANN001 (logging's factory type is private)
        self.inner = inner

    def __call__(self, *args, **kwargs) -> logging.LogRecord:  # noqa: ANN002, ANN003
        record = self.inner(*args, **kwargs)
        with _lock:
            active = bool(_secrets)
        if not active:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep it as the caller made it
            message = str(record.msg)
        redacted = redact(message)
        if redacted != message:  # otherwise the record stays as made (some handlers read its msg and args)
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if redact(text) != text:
                # The traceback quotes a secret: keep its redacted text, drop the live exception.
                record.exc_text, record.exc_info = redact(text), None
        return record


def _install_log_redaction() -> None:
    global _factory_installed
    with _lock:
        if _factory_installed:
            return
        current = logging.getLogRecordFactory()
        if not isinstance(current, _RedactingRecordFactory):
            logging.setLogRecordFactory(_RedactingRecordFactory(current))
        _factory_installed = True
