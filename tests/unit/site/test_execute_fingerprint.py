"""The execution cache's package fingerprint changes with the package, and only with it."""

from __future__ import annotations

from shipyard.site.execute import package_fingerprint


def _package(root):
    (root / "samples" / "my_app").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "__init__.py").write_text("MESSAGE = 'old'\n")
    (root / "samples" / "my_app" / "pyproject.toml").write_text("[project]\nname = 'my_app'\n")
    (root / "templates" / "Dockerfile.j2").write_text("FROM python:3.12-slim\n")
    return root


def test_a_change_in_code_samples_or_templates_changes_it(tmp_path):
    root = _package(tmp_path)
    before = package_fingerprint(root)
    assert package_fingerprint(root) == before
    for name, text in (("__init__.py", "MESSAGE = 'new'\n"),
                       ("samples/my_app/pyproject.toml", "[project]\nname = 'other'\n"),
                       ("templates/Dockerfile.j2", "FROM python:3.13-slim\n")):  # fmt: skip
        (root / name).write_text(text)
        after = package_fingerprint(root)
        assert after != before, name
        before = after


def test_a_renamed_file_changes_it_and_bytecode_does_not(tmp_path):
    root = _package(tmp_path)
    before = package_fingerprint(root)
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert package_fingerprint(root) == before
    (root / "__init__.py").rename(root / "core.py")
    assert package_fingerprint(root) != before


def test_a_notebook_may_give_its_cells_more_time_within_a_bound():
    from shipyard.site.execute import MAX_TIMEOUT, TIMEOUT, cell_timeout

    assert cell_timeout({}) == TIMEOUT
    assert cell_timeout({"mystnb": "1800"}) == TIMEOUT
    assert cell_timeout({"mystnb": {"execution_timeout": 1800}}) == 1800
    assert cell_timeout({"mystnb": {"execution_timeout": 10**9}}) == MAX_TIMEOUT
    for odd in (-1, 0, "900", True, None, 2.5):
        assert cell_timeout({"mystnb": {"execution_timeout": odd}}) == TIMEOUT
