"""ENV rules: a failing and a passing environment.yml per rule."""

from __future__ import annotations

import textwrap

import pytest

from shipyard import audit
from shipyard.config import Settings
from shipyard.errors import InputError
from tests.conftest import project_file

GOOD_ENV = project_file("conda-env", "environment.yml")


@pytest.fixture
def env_project(make_project):
    def make(text: str = GOOD_ENV, name: str = "environment.yml"):
        root = make_project()
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return make


def ids(root, **kwargs):
    return [f.rule_id for f in audit.check(root, select=["ENV"], **kwargs)]


def messages(root, rule_id, **kwargs):
    return [f.message for f in audit.check(root, select=[rule_id], **kwargs)]


def swap(old: str, new: str) -> str:
    assert old in GOOD_ENV
    return GOOD_ENV.replace(old, new)


def test_good_environment_has_no_findings(env_project):
    assert ids(env_project()) == []


def test_environment_yaml_is_found_too(env_project):
    root = env_project(swap("python=3.12", "python"), name="environment.yaml")
    assert ids(root) == ["ENV003"]
    assert audit.check(root, select=["ENV"])[0].path == "environment.yaml"


def test_checking_the_file_itself(env_project):
    root = env_project(swap("python=3.12", "python"))
    assert [f.rule_id for f in audit.check(root / "environment.yml")] == ["ENV003"]


def test_env001_malformed_yaml_names_line_and_column(env_project):
    root = env_project("name: prod\nchannels: [conda-forge\ndependencies:\n  - python=3.12\n")
    with pytest.raises(InputError) as info:
        audit.check(root)
    assert info.value.rule_id == "ENV001"
    assert info.value.line == 3
    assert str(info.value).startswith(f"{root / 'environment.yml'}:3:")


def test_env001_dependencies_must_be_a_list(env_project):
    with pytest.raises(InputError) as info:
        audit.check(env_project("dependencies: python=3.12\n"))
    assert (info.value.line, info.value.column) == (1, 1)
    assert "'dependencies' must be a list" in info.value.message


def test_env001_good(env_project):
    assert "ENV001" not in ids(env_project())


def test_env002_project_listed(env_project):
    root = env_project(swap("  - pip\n", "  - pip\n  - my_app\n"))
    assert messages(root, "ENV002") == ["'my_app' is the project itself: install it from Nexus"]


def test_env002_project_in_pip_section(env_project):
    root = env_project(swap("rich>=13", "my-app==1.0.0"))
    assert messages(root, "ENV002") == ["pip entry 'my-app==1.0.0' is the project itself"]


def test_env002_other_packages(env_project):
    assert "ENV002" not in ids(env_project())


def test_env003_no_python(env_project):
    root = env_project(swap("  - python=3.12\n", ""))
    assert messages(root, "ENV003") == ["no 'python' dependency: the solver picks the interpreter"]


def test_env003_python_unpinned(env_project):
    assert "ENV003" in ids(env_project(swap("python=3.12", "python")))


def test_env003_pinned(env_project):
    assert "ENV003" not in ids(env_project(swap("python=3.12", "python >=3.12,<3.13")))


def test_env004_unpinned_package(env_project):
    root = env_project(swap("numpy >=1.26,<3", "numpy"))
    assert messages(root, "ENV004") == ["'numpy' has no version constraint"]


def test_env004_pip_may_stay_unpinned(env_project):
    assert "ENV004" not in ids(env_project())


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("numpy=2.1.1=py312h58c1407_0", "pins build 'py312h58c1407_0'"),
        ("numpy==2.1.1", "pins an exact release"),
    ],
)
def test_env005_over_pinned(env_project, spec, expected):
    [message] = messages(env_project(swap("numpy >=1.26,<3", spec)), "ENV005")
    assert expected in message


def test_env005_minor_pin_is_fine(env_project):
    assert "ENV005" not in ids(env_project(swap("numpy >=1.26,<3", "numpy=2.1")))


@pytest.mark.parametrize("channel", ["defaults", "https://repo.anaconda.com/pkgs/main", "anaconda"])
def test_env006_defaults(env_project, channel):
    root = env_project(swap("  - conda-forge\n", f"  - conda-forge\n  - {channel}\n"))
    assert ids(root) == ["ENV006"]


def test_env006_conda_forge_only(env_project):
    assert "ENV006" not in ids(env_project())


def test_env007_public_url(env_project):
    root = env_project(swap("  - conda-forge\n", "  - https://conda.anaconda.org/conda-forge\n"))
    assert messages(root, "ENV007") == [
        "channel 'https://conda.anaconda.org/conda-forge' bypasses the Nexus proxy"
    ]


def test_env007_not_the_configured_nexus(env_project):
    root = env_project(swap("  - conda-forge\n", "  - https://mirror.example/conda-forge\n"))
    settings = Settings(nexus_url="https://nexus.corp.local")
    assert ids(root, settings=settings) == ["ENV007"]


def test_env007_the_configured_nexus(env_project):
    url = "https://nexus.corp.local/repository/conda-forge/"
    root = env_project(swap("  - conda-forge\n", f"  - {url}\n"))
    assert ids(root, settings=Settings(nexus_url="https://nexus.corp.local")) == []


def test_env008_pip_section_without_pip(env_project):
    root = env_project(swap("  - pip\n", ""))
    assert messages(root, "ENV008") == ["a 'pip:' section but no 'pip' dependency"]


def test_env008_pip_listed(env_project):
    assert "ENV008" not in ids(env_project())


def test_env009_credentials_and_index_url_are_masked(env_project):
    option = "--index-url https://deploy:s3cret@nexus.corp.local/repository/pypi-all/simple"
    root = env_project(swap("rich>=13", option))
    found = audit.check(root, select=["ENV009"])
    assert [f.line for f in found] == [9, 9]
    assert "s3cret" not in "".join(f.message for f in found)
    assert "'--index-url' belongs in pip's configuration" in found[1].message


def test_env009_clean(env_project):
    assert "ENV009" not in ids(env_project())


def test_env010_duplicates(env_project):
    root = env_project(swap("  - pip\n", "  - pip\n  - numpy <2\n"))
    assert messages(root, "ENV010") == ["'numpy' is listed again (first on line 7)"]


def test_env010_unique(env_project):
    assert "ENV010" not in ids(env_project())


def test_env011_invalid_spec(env_project):
    root = env_project(swap("numpy >=1.26,<3", "numpy >=>1.26"))
    [finding] = audit.check(root, select=["ENV011"])
    assert finding.line == 7
    assert "'numpy >=>1.26' is not a valid match spec" in finding.message


def test_env011_valid(env_project):
    assert "ENV011" not in ids(env_project())


def test_env005_space_separated_bounds_read_as_a_build(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text("name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n"
                    "  - numpy >=1.2 <2\n")  # fmt: skip
    (finding,) = [f for f in audit.check(path) if f.rule_id == "ENV005"]
    assert "is read as a build string" in finding.message and finding.line == 5
