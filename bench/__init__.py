"""Concord's benchmark harness (`make bench`): stages, same-run medians and ratios, BENCHMARKS.md."""
