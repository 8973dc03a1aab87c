"""Helpers for scripts/bench: instrumented builds, synthetic content, baselines, browser figures."""
