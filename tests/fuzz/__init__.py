"""The fuzzing harness: mutated real files against every reader and command (issue 14).

Run on demand, not in the regular test run: ``python -m tests.fuzz`` (see ``--help``).
"""
