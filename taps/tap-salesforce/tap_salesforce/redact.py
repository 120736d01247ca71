"""Keeping secrets out of logs and error messages.

`Redactor` knows the configured secret values (client secret, password, security token) and every access
token the tap obtains; `redact` replaces them in any text, and `RedactingFilter` applies that to every log
record of the tap's loggers, including exception text.
"""

from __future__ import annotations

import logging
import threading

MASK = "***REDACTED***"
SECRET_SETTINGS = ("client_id", "client_secret", "password", "security_token", "access_token")


class Redactor:
    """The set of secret strings to hide; thread-safe."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: object) -> None:
        """Treat `value` as a secret from now on (short values are ignored: they would mask ordinary text)."""
        if isinstance(value, str) and len(value) >= 6:
            with self._lock:
                self._secrets.add(value)

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced by a mask."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """A logging filter that formats each record's message and exception with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = REDACTOR.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = REDACTOR.redact(text)
        return True


def install(logger_names: tuple[str, ...] = ("", "tap-salesforce", "singer_sdk")) -> None:
    """Attach the filter to the given loggers' handlers and the loggers themselves (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
