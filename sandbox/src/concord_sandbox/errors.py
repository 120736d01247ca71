"""Errors the sandbox raises; each is a ConcordError so the CLI prints it as one paragraph."""

from __future__ import annotations

from concord.errors import ConcordError


class SandboxError(ConcordError):
    """Something about the sandbox the user can act on."""


class NotSeededError(SandboxError):
    """The sandbox database does not exist or holds no company yet."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"The sandbox at {path} has not been seeded; run `concord sandbox seed --scale small` first."
        )


class InvalidOptionError(SandboxError):
    """A command-line or API option has an invalid value; names the option, the value and why."""

    def __init__(self, option: str, value: object, reason: str) -> None:
        super().__init__(f"Invalid {option} {value!r}: {reason}.")
        self.option, self.value, self.reason = option, value, reason


class RecordNotFoundError(SandboxError):
    """A write named a record that does not exist in the sandbox."""

    def __init__(self, system: str, obj: str, key: str) -> None:
        super().__init__(f"No {system} {obj} with key {key!r} in the sandbox.")
        self.system, self.obj, self.key = system, obj, key


class InvalidWriteError(SandboxError):
    """A write carried a field the store cannot apply; names the record, the field and the reason."""

    def __init__(self, system: str, obj: str, key: str, field: str, reason: str) -> None:
        super().__init__(f"Cannot write {system} {obj} {key!r} field {field!r}: {reason}.")
        self.system, self.obj, self.key, self.field, self.reason = system, obj, key, field, reason


class ServerError(SandboxError):
    """The background server could not be started, reached or stopped."""
