"""my_app: the sample project of the runbook (seed: a hatchling project with a `my-app` script)."""

__version__ = "1.0.0"
