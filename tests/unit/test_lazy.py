"""Chapter facades load their submodules on first use, and names keep their meaning."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import GOOD_PYPROJECT

HEAVY = ("rattler", "requests", "urllib3", "twine", "asyncio", "jinja2")


def _python(code: str, cwd=None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd
    )
    return done.stdout


def test_check_on_a_pyproject_only_project_imports_no_heavy_library(tmp_path):
    (tmp_path / "pyproject.toml").write_text(GOOD_PYPROJECT)
    code = (
        "import contextlib, io, json, sys\n"
        "from shipyard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['check', '.'])\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    assert json.loads(_python(code, cwd=tmp_path)) == []


def test_names_mean_the_same_whatever_was_imported_first():
    code = (
        "import types\n"
        "import shipyard.environments.provision, shipyard.environments.lock\n"
        "import shipyard.nexus.client, shipyard.packaging.publish\n"
        "from shipyard import environments, nexus, packaging\n"
        "print(isinstance(environments.lock, types.FunctionType),\n"
        "      isinstance(environments.provision, types.FunctionType),\n"
        "      environments.Lock.__module__, nexus.plan_nexus.__name__,\n"
        "      isinstance(nexus.consumers, types.ModuleType),\n"
        "      isinstance(packaging.publish, types.ModuleType))\n"
    )
    assert _python(code).split() == [
        "True", "True", "shipyard.environments.lock", "plan_nexus", "True", "True",
    ]  # fmt: skip


def test_an_unknown_name_is_an_attribute_error():
    code = (
        "from shipyard import environments\n"
        "try:\n    environments.nope\nexcept AttributeError as e:\n    print(e)\n"
        "print('lock' in dir(environments))\n"
    )
    assert _python(code).splitlines() == [
        "module 'shipyard.environments' has no attribute 'nope'",
        "True",
    ]
