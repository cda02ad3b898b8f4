"""PKG rules: a failing and a passing project per rule."""

from __future__ import annotations

import pytest

from shipyard import audit
from shipyard.errors import InputError
from tests.conftest import GOOD_FILES, GOOD_PYPROJECT, project_file


def ids(root, **kwargs):
    return [f.rule_id for f in audit.check(root, **kwargs)]


def messages(root, rule_id):
    return [f.message for f in audit.check(root, select=[rule_id])]


def test_good_project_has_no_findings(make_project):
    assert ids(make_project()) == []


def test_pkg001_invalid_toml_names_line_and_column(make_project):
    root = make_project('[tool.poetry]\nhomepage = ""https://gitlab.com/x"\n')
    with pytest.raises(InputError) as info:
        audit.check(root)
    assert info.value.rule_id == "PKG001"
    assert (info.value.line, info.value.column) == (2, 14)
    assert str(info.value).startswith(f"{root / 'pyproject.toml'}:2:14: invalid TOML")


def test_pkg001_unclosed_array_points_at_the_end(make_project):
    with pytest.raises(InputError) as info:
        audit.check(make_project('[project]\nname = "x"\ndeps = [\n  "a",\n'))
    assert info.value.line == 4
    assert "end of the file" in info.value.message


def test_pkg002(make_project):
    no_table = GOOD_PYPROJECT.split("[project]")[1]
    assert "PKG002" in ids(make_project("[project]" + no_table))


def test_pkg002_missing_backend(make_project):
    text = GOOD_PYPROJECT.replace('build-backend = "hatchling.build"\n', "")
    assert messages(make_project(text), "PKG002") == ["[build-system] has no 'build-backend'"]


def test_pkg002_declared(make_project):
    assert "PKG002" not in ids(make_project())


@pytest.mark.parametrize(
    ("requires", "backend", "expected"),
    [
        ('["poetry-core>=2"]', "poetry.masonry.api", "needs the whole Poetry application"),
        ('["hatchling"]', "hatchling.builds", "did you mean 'hatchling.build'?"),
        ('["setuptools>=61"]', "hatchling.build", "comes from 'hatchling'"),
        ('["hatchling"]', "hatchling build", "is not an importable name"),
        ('["hatchling"]', "mystery.backend", "no build requirement provides a module 'mystery'"),
    ],
)
def test_pkg003(make_project, requires, backend, expected):
    text = GOOD_PYPROJECT.replace('["hatchling>=1.25"]', requires).replace(
        '"hatchling.build"', f'"{backend}"'
    )
    (message,) = messages(make_project(text), "PKG003")
    assert expected in message


@pytest.mark.parametrize(
    ("requires", "backend"),
    [
        ('["poetry-core>=2"]', "poetry.core.masonry.api"),
        ('["setuptools>=61", "wheel"]', "setuptools.build_meta"),
        ('["Flit_Core >=3.2,<4"]', "flit_core.buildapi"),
        ('["my-backend"]', "my_backend.api"),
    ],
)
def test_pkg003_provided(make_project, requires, backend):
    text = GOOD_PYPROJECT.replace('["hatchling>=1.25"]', requires).replace(
        '"hatchling.build"', f'"{backend}"'
    )
    assert messages(make_project(text), "PKG003") == []


def test_pkg003_skipped_when_pkg002_fails(make_project):
    text = GOOD_PYPROJECT.replace('build-backend = "hatchling.build"\n', "")
    assert "PKG003" not in ids(make_project(text))


def test_pkg004(make_project):
    text = GOOD_PYPROJECT.replace('name = "my_app"\n', "")
    root = make_project(text)
    assert messages(root, "PKG004") == ["[project] has no 'name'"]
    assert [f.line for f in audit.check(root, select=["PKG004"])] == [5]


def test_pkg004_no_project_table(make_project):
    assert "no [project] table" in messages(make_project("[build-system]\n"), "PKG004")[0]


def test_pkg004_poetry_names_itself(make_project):
    root = make_project('[tool.poetry]\nname = "x"\nversion = "1"\n')
    assert messages(root, "PKG004") == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('version = "1.0.0"', 'version = "1.0.0"\ndynamic = ["version"]'), "both set and listed"),
        (('version = "1.0.0"', ""), "has no 'version'"),
        (('version = "1.0.0"', 'dynamic = ["version"]'), "needs a [tool.hatch.version] table"),
    ],
)
def test_pkg005(make_project, edit, expected):
    (message,) = messages(make_project(GOOD_PYPROJECT.replace(*edit)), "PKG005")
    assert expected in message


def test_pkg005_dynamic_with_source(make_project):
    text = GOOD_PYPROJECT.replace('version = "1.0.0"', 'dynamic = ["version"]')
    text += '\n[tool.hatch.version]\npath = "my_app/__init__.py"\n'
    assert messages(make_project(text), "PKG005") == []


def test_pkg005_vcs_needs_hatch_vcs(make_project):
    text = GOOD_PYPROJECT.replace('version = "1.0.0"', 'dynamic = ["version"]')
    text += '\n[tool.hatch.version]\nsource = "vcs"\n'
    assert "hatch-vcs" in messages(make_project(text), "PKG005")[0]
    fixed = text.replace('["hatchling>=1.25"]', '["hatchling>=1.25", "hatch-vcs"]')
    assert messages(make_project(fixed), "PKG005") == []


def test_pkg006(make_project):
    text = GOOD_PYPROJECT.replace('requires-python = ">=3.10"\n', "")
    assert messages(make_project(text), "PKG006") == ["[project] has no 'requires-python'"]
    assert messages(make_project(), "PKG006") == []


def test_pkg007(make_project):
    text = GOOD_PYPROJECT.replace('readme = "README.md"\n', "")
    assert messages(make_project(text), "PKG007") == ["[project] has no 'readme'"]
    assert messages(make_project(), "PKG007") == []


def test_pkg008(make_project):
    files = {k: v for k, v in GOOD_FILES.items() if k != "README.md"}
    root = make_project(files=files)
    findings = audit.check(root, select=["PKG008"])
    assert [(f.message, f.line) for f in findings] == [
        ("readme file 'README.md' does not exist", 9)
    ]


def test_pkg008_table_form(make_project):
    text = GOOD_PYPROJECT.replace(
        'readme = "README.md"', 'readme = {file = "README.md", content-type = "text/markdown"}'
    )
    assert messages(make_project(text), "PKG008") == []


def test_pkg009(make_project):
    text = GOOD_PYPROJECT.replace('license = "MIT"\n', "")
    assert messages(make_project(text), "PKG009") == ["[project] has no 'license'"]


def test_pkg009_table_form(make_project):
    text = GOOD_PYPROJECT.replace('license = "MIT"', 'license = {text = "MIT"}')
    assert "deprecated (PEP 639)" in messages(make_project(text), "PKG009")[0]


def test_pkg010_missing_module(make_project):
    text = GOOD_PYPROJECT.replace("my_app.__main__:cli", "my_app.main:cli")
    (message,) = messages(make_project(text), "PKG010")
    assert message == "script 'my-app': module 'my_app.main' not found under ./ or src/"


def test_pkg010_missing_function(make_project):
    text = GOOD_PYPROJECT.replace("my_app.__main__:cli", "my_app.__main__:main")
    (message,) = messages(make_project(text), "PKG010")
    assert (
        message == "script 'my-app': 'main' is not defined at the top level of my_app/__main__.py"
    )


def test_pkg010_src_layout_and_imported_name(make_project):
    files = {
        "README.md": "x",
        "src/my_app/__init__.py": "",
        "src/my_app/__main__.py": (
            "try:\n    from my_app.cli import main as cli\nexcept ImportError:\n    raise\n"
        ),
    }
    assert messages(make_project(files=files), "PKG010") == []


def test_pkg010_poetry_scripts(make_project):
    root = make_project(
        '[tool.poetry]\nname = "x"\nversion = "1"\n[tool.poetry.scripts]\nx = "x.cli:run"\n',
        files={"x/__init__.py": "", "x/cli.py": "def other(): pass\n"},
    )
    assert messages(root, "PKG010") == [
        "script 'x': 'run' is not defined at the top level of x/cli.py"
    ]


def test_pkg010_syntax_error_in_module(make_project):
    files = dict(GOOD_FILES, **{"my_app/__main__.py": "def cli(:\n"})
    (message,) = messages(make_project(files=files), "PKG010")
    assert "does not parse" in message


def test_pkg011(make_project):
    text = GOOD_PYPROJECT.replace('license = "MIT"', 'licence = "MIT"')
    root = make_project(text)
    findings = audit.check(root, select=["PKG011"])
    assert len(findings) == 1
    assert "did you mean 'license'?" in findings[0].message
    assert findings[0].line == 10


def test_pkg011_bad_dependency(make_project):
    text = GOOD_PYPROJECT.replace('"requests>=2.32,<3"', '"requests>=2.32,<"')
    (finding,) = audit.check(make_project(text), select=["PKG011"])
    assert finding.message == "'project.dependencies[0]' must be pep508"
    assert finding.line == 12


def test_pkg012(make_project):
    files = {"README.md": "x", "src/service/__init__.py": ""}
    text = GOOD_PYPROJECT.replace('[project.scripts]\nmy-app = "my_app.__main__:cli"\n', "")
    (message,) = messages(make_project(text, files=files), "PKG012")
    assert "no directory my_app/ or src/my_app/" in message


def test_pkg012_configured_packages(make_project):
    files = {"README.md": "x", "src/service/__init__.py": ""}
    text = GOOD_PYPROJECT.replace('[project.scripts]\nmy-app = "my_app.__main__:cli"\n', "")
    text += '\n[tool.hatch.build.targets.wheel]\npackages = ["src/service"]\n'
    assert messages(make_project(text, files=files), "PKG012") == []


def test_pkg012_dashed_name_finds_underscored_dir(make_project):
    text = GOOD_PYPROJECT.replace('name = "my_app"', 'name = "My-App"')
    assert messages(make_project(text), "PKG012") == []


SEED_001 = project_file("poetry-seed-001", "pyproject.toml")


def test_pkg013_and_pkg014(make_project):
    root = make_project(SEED_001, files={"README.md": "x"})
    found = {f.rule_id: f for f in audit.check(root)}
    assert "'<your module>' matches nothing" in found["PKG013"].message
    assert found["PKG014"].severity == "info"
    assert "PKG004" not in found


def test_pkg013_include_exists(make_project):
    text = SEED_001.replace("<your module>", "my_lib")
    root = make_project(text, files={"README.md": "x", "my_lib/__init__.py": ""})
    assert messages(root, "PKG013") == []


def test_pkg014_project_table(make_project):
    assert messages(make_project(), "PKG014") == []


@pytest.mark.parametrize(
    ("spec", "capped"),
    [(">=3.10,<3.13", True), ("~=3.10.1", True), ("==3.11.*", True), (">=3.10", False),
     ("~=3.10", False), (">=3.9,!=3.9.1", False), (">=3.10, <4.0", False), (">=3.10,<=4", True)],
)  # fmt: skip
def test_pkg015(make_project, spec, capped):
    text = GOOD_PYPROJECT.replace('">=3.10"', f'"{spec}"')
    assert bool(messages(make_project(text), "PKG015")) is capped


@pytest.mark.parametrize("key", ["readme", "license", "requires-python"])
def test_dynamic_fields_count_as_declared(make_project, key):
    line = {"readme": 'readme = "README.md"\n', "license": 'license = "MIT"\n',
            "requires-python": 'requires-python = ">=3.10"\n'}[key]  # fmt: skip
    text = GOOD_PYPROJECT.replace(line, "").replace(
        'version = "1.0.0"', f'version = "1.0.0"\ndynamic = ["{key}"]'
    )
    assert list(audit.check(make_project(text), select=["PKG006", "PKG007", "PKG009"])) == []
