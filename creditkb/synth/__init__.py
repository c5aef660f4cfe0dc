"""Synthetic exchange-format data sets, for benchmarks and load tests."""
