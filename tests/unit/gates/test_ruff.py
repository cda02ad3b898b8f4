from shipyard.gates import ruff

from ._helpers import context, write_project


def test_ruff_passes_clean_code(tmp_path):
    result = ruff.run(context(write_project(tmp_path)))
    assert result.status == "passed", result.findings


def test_ruff_reports_missing_docstring_and_unused_import(tmp_path):
    root = write_project(tmp_path, tiny__mod_py="import os\n\n\ndef f():\n    return 1\n")
    result = ruff.run(context(root))
    assert result.status == "failed"
    assert {(f.path, f.rule_id) for f in result.findings} >= {
        ("tiny/mod.py", "F401"), ("tiny/mod.py", "D103"), ("tiny/mod.py", "D100"),
    }  # fmt: skip
    assert all(f.doc_url.startswith("https://docs.astral.sh/ruff/rules/") for f in result.findings)


def test_ruff_keeps_the_projects_own_ignore(tmp_path):
    pyproject = '[project]\nname = "tiny"\n[tool.ruff.lint]\nselect = ["D"]\nignore = ["D103"]\n'
    root = write_project(
        tmp_path, pyproject_toml=pyproject, tiny__mod_py='"""M."""\n\n\ndef f():\n    return 1\n'
    )
    (root / "pyproject.toml").write_text(pyproject + '[tool.shipyard.gates]\npaths = ["tiny"]\n')
    assert ruff.run(context(root)).status == "passed"
