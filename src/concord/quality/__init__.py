"""The quality engine: suites as code, a GX Core checkpoint, the exception lifecycle and the blocking policy.

Importing this package is cheap: Great Expectations is imported only inside `runner.run_checkpoint`.
"""
