"""Benchmarks: management commands that measure the platform and print their figures
(docs/performance.md). They live outside the apps so an installed platform carries none of them:
the package is left out of the wheel, and settings list this app only when it can be imported.
No app imports from here."""
