"""Plumbing below every entry point: the settings and the one way to reach Temporal.

The API, the worker, the CLI, benchmarks and tests all build on these two modules, so
they live below all of them (the composition root in `samtale/` imports them too)."""
