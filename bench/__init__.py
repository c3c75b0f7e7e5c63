"""Benchmarks (not tests): synthetic registries, endpoint and load comparisons. See bench/README.md."""
