"""Excluded paths reach no gate: the context hands every tool the same explicit list."""

from __future__ import annotations

from pathlib import Path

from shipyard.gates._model import Context
from shipyard.gates._settings import GateSettings


def tree(root: Path, *names: str) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    return root


def test_exclusion_expands_only_the_paths_that_hold_it(tmp_path):
    root = tree(tmp_path, "src/pkg/a.py", "src/pkg/sub/b.py", "src/pkg/samples/bad/c.py",
                "src/pkg/data.json", "src/other/d.py")  # fmt: skip
    settings = GateSettings(paths=["src"], exclude=["src/pkg/samples"])
    assert Context(root, settings).paths == ["src/other", "src/pkg/a.py", "src/pkg/sub"]
    assert Context(root, settings).roots == ["src"]


def test_no_exclusion_keeps_paths_as_written(tmp_path):
    root = tree(tmp_path, "src/pkg/a.py")
    assert Context(root, GateSettings(paths=["src"])).paths == ["src"]
    assert Context(root, GateSettings(paths=["src"], exclude=["src"])).paths == []


def test_hidden_directories_reach_no_tool(tmp_path):
    # A job's environments (.mamba, .venv) sit in the project's directory: bandit would walk them.
    root = tree(tmp_path, "pkg/a.py", ".mamba/envs/x/lib/site.py", ".venv/lib/b.py", "top.py",
                "src_like/.cache/c.py")  # fmt: skip
    (root / ".git").mkdir()
    assert Context(root, GateSettings()).paths == ["pkg", "src_like", "top.py"]
    assert Context(root, GateSettings(paths=["pkg"])).paths == ["pkg"]
