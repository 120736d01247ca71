"""The quality engine: suites as code, a GX Core checkpoint, the exception lifecycle and the blocking policy.

Importing this package (or any module but `runner` at call time) is cheap: Great Expectations is imported only
inside `runner.run_checkpoint`. `data_docs_path()` is the Data Docs entry page the latest check run built.
"""

from concord.quality.data_docs import data_docs_path

__all__ = ["data_docs_path"]
