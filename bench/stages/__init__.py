"""Benchmark stages; each module registers its stages with `bench.harness.stage`."""
