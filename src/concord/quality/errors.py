"""Errors of the quality engine; each names the file, suite, expectation or table it is about."""

from __future__ import annotations

from concord.errors import ConcordError


class QualityError(ConcordError):
    """A quality-engine error the user can act on."""


class SuiteDefinitionError(QualityError):
    """A suite file or one expectation in it is invalid."""

    def __init__(self, path: str, expectation: str | None, reason: str) -> None:
        self.path = path
        self.expectation = expectation
        self.reason = reason
        where = f"{path}, expectation {expectation!r}" if expectation else path
        super().__init__(f"Invalid suite definition in {where}: {reason}")


class QualityConfigError(QualityError):
    """The quality configuration file (thresholds, stewards, aging) is invalid."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"Invalid quality configuration {path}: {reason}")


class ChecksNotExecutedError(QualityError):
    """Some checks of a run could not execute (missing table or column, GX or database error): the run failed.

    `report` (a `concord.quality.checkpoint.CheckReport`) holds what did run, and each error.
    """

    def __init__(self, report: object) -> None:
        self.report = report
        errored = getattr(getattr(report, "result", None), "errored", [])
        first = "; ".join(f"{o.spec.suite}.{o.spec.name}: {o.error}" for o in errored[:3])
        more = f" (and {len(errored) - 3} more)" if len(errored) > 3 else ""
        super().__init__(f"{len(errored)} checks could not execute: {first}{more}")
