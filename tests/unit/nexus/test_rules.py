"""NEX rules: a failing and a passing file per rule, and bad input with file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shipyard import audit
from shipyard.errors import InputError
from tests.conftest import project_file

GOOD_CI = project_file("nexus-publish-job", ".gitlab-ci.yml")


def check(tmp_path: Path, name: str, text: str, rule_id: str = "NEX") -> list[tuple[str, int]]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return [(f.rule_id, f.line) for f in audit.check(path, select=[rule_id])]


def test_good_ci_file_and_the_rendered_consumer_config_pass(tmp_path):
    from shipyard.nexus import consumers

    assert check(tmp_path, ".gitlab-ci.yml", GOOD_CI) == []
    url = "https://nexus.corp.local/repository/pypi-internal/"
    assert check(tmp_path, "pip.conf", consumers.pip_conf(url)) == []
    assert check(tmp_path, ".pypirc", consumers.pypirc(url)) == []
    pyproject = '[project]\nname = "x"\n\n' + consumers.uv_index(url, packages=("my-app",))
    assert check(tmp_path, "pyproject.toml", pyproject) == []


def test_nex001(tmp_path):
    text = "[global]\nindex-url = https://ci:s3cret@nexus.corp.local/repository/p/simple/\n"
    assert check(tmp_path, "pip.conf", text, "NEX001") == [("NEX001", 2)]
    messages = [f.message for f in audit.check(tmp_path / "pip.conf", select=["NEX001"])]
    assert "'ci'" in messages[0] and "s3cret" not in messages[0]


def test_nex001_variable_reference_passes(tmp_path):
    text = (
        'variables:\n  PIP_INDEX_URL: "https://${U}:${P}@nexus.corp.local/repository/p/simple/"\n'
    )
    assert check(tmp_path, ".gitlab-ci.yml", text, "NEX001") == []


def test_nex002(tmp_path):
    text = "[nexus]\nrepository = http://nexus.corp.local/repository/pypi-internal/\n"
    assert check(tmp_path, ".pypirc", text, "NEX002") == [("NEX002", 2)]


def test_nex002_https_and_loopback_pass(tmp_path):
    text = "[a]\nrepository = https://nexus.corp.local/repository/p/\n"
    text += "[b]\nrepository = http://127.0.0.1:8081/repository/p/\n"
    assert check(tmp_path, ".pypirc", text, "NEX002") == []


def test_nex003(tmp_path):
    text = "[global]\nextra-index-url =\n    https://nexus.corp.local/repository/p/simple/\n"
    assert check(tmp_path, "pip.conf", text, "NEX003") == [("NEX003", 3)]
    uv = '[tool.uv]\nindex-strategy = "unsafe-best-match"\n'
    assert check(tmp_path, "pyproject.toml", uv, "NEX003") == [("NEX003", 2)]
    script = "job:\n  script:\n    - pip install --extra-index-url https://n/simple/ my_app\n"
    assert check(tmp_path, ".gitlab-ci.yml", script, "NEX003") == [("NEX003", 3)]


def test_nex003_single_index_passes(tmp_path):
    text = "[global]\nindex-url = https://nexus.corp.local/repository/pypi-all/simple/\n"
    assert check(tmp_path, "pip.conf", text, "NEX003") == []


def test_nex004(tmp_path):
    text = "[nexus]\nrepository = https://nexus.corp.local/repository/p/simple/\n"
    assert check(tmp_path, ".pypirc", text, "NEX004") == [("NEX004", 2)]
    script = "p:\n  script:\n    - twine upload --repository-url https://n/repository/p/simple x\n"
    assert check(tmp_path, ".gitlab-ci.yml", script, "NEX004") == [("NEX004", 3)]


def test_nex004_repository_url_passes(tmp_path):
    assert check(tmp_path, ".gitlab-ci.yml", GOOD_CI, "NEX004") == []


def test_nex005(tmp_path):
    script = (
        'deploy:\n  script:\n    - pip install --index-url "$NEXUS_PYPI_URL" --no-deps my_app\n'
    )
    assert check(tmp_path, ".gitlab-ci.yml", script, "NEX005") == [("NEX005", 3)]
    conf = "[global]\nindex-url = https://nexus.corp.local/repository/pypi-internal/\n"
    assert check(tmp_path, "pip.conf", conf, "NEX005") == [("NEX005", 2)]


def test_nex005_simple_index_passes(tmp_path):
    assert check(tmp_path, ".gitlab-ci.yml", GOOD_CI, "NEX005") == []


def test_nex006(tmp_path):
    text = (
        'variables:\n  TWINE_REPOSITORY_URL: "https://nexus.corp.local/repository/pypi-internal"\n'
    )
    assert check(tmp_path, ".gitlab-ci.yml", text, "NEX006") == [("NEX006", 2)]


def test_nex006_trailing_slash_passes(tmp_path):
    text = (
        'variables:\n  TWINE_REPOSITORY_URL: "https://nexus.corp.local/repository/pypi-internal/"\n'
    )
    assert check(tmp_path, ".gitlab-ci.yml", text, "NEX006") == []


def test_nex007(tmp_path):
    assert check(
        tmp_path, ".pypirc", "[nexus]\nusername = ci\npassword = hunter22\n", "NEX007"
    ) == [("NEX007", 3)]
    ci = 'publish:\n  variables:\n    TWINE_PASSWORD: "s3cret-pw"\n  script: [twine upload x]\n'
    assert check(tmp_path, ".gitlab-ci.yml", ci, "NEX007") == [("NEX007", 3)]


def test_nex007_references_pass(tmp_path):
    assert check(tmp_path, ".gitlab-ci.yml", GOOD_CI, "NEX007") == []


def test_nex008(tmp_path):
    ci = 'publish:\n  script:\n    - twine upload -u "$U" -p "$NEXUS_PYPI_PASSWORD" dist/*\n'
    assert check(tmp_path, ".gitlab-ci.yml", ci, "NEX008") == [("NEX008", 3)]


def test_nex008_environment_passes(tmp_path):
    assert check(tmp_path, ".gitlab-ci.yml", GOOD_CI, "NEX008") == []


def test_nex009(tmp_path):
    text = "[global]\nindex-url = https://n/repository/p/simple/\ntrusted-host = n\n"
    assert check(tmp_path, "pip.conf", text, "NEX009") == [("NEX009", 3)]


def test_nex009_verified_passes(tmp_path):
    text = "[global]\nindex-url = https://n/repository/p/simple/\ncert = /etc/ca.pem\n"
    assert check(tmp_path, "pip.conf", text, "NEX009") == []


def test_nex010_the_seeds_deploy_line(tmp_path):
    ci = 'deploy:\n  script:\n    - pip install --index-url "$NEXUS_PYPI_URL/simple" my_app\n'
    assert check(tmp_path, ".gitlab-ci.yml", ci, "NEX010") == [("NEX010", 3)]


def test_nex010_joined_without_a_second_slash_passes(tmp_path):
    assert check(tmp_path, ".gitlab-ci.yml", GOOD_CI, "NEX010") == []
    defined = (
        'variables:\n  NEXUS_PYPI_URL: "https://n/repository/p"\n'
        'deploy:\n  script: [pip install -i "$NEXUS_PYPI_URL/simple/" my_app]\n'
    )
    assert check(tmp_path, ".gitlab-ci.yml", defined, "NEX010") == []


def test_poetry_sources(tmp_path):
    text = """\
    [[tool.poetry.source]]
    name = "nexus"
    url = "https://nexus.corp.local/repository/pypi-internal/"
    priority = "supplemental"
    """
    assert check(tmp_path, "pyproject.toml", text) == [("NEX003", 3), ("NEX005", 3)]


def test_directory_check_finds_every_file(tmp_path):
    (tmp_path / ".pip").mkdir()
    (tmp_path / ".pip" / "pip.conf").write_text("[global]\ntrusted-host = n\n")
    (tmp_path / ".gitlab-ci.yml").write_text(GOOD_CI)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    found = [(f.path, f.rule_id) for f in audit.check(tmp_path, select=["NEX"])]
    assert found == [(".pip/pip.conf", "NEX009")]


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("pip.conf", "index-url = https://x/simple/\n", 1, "outside any [section]"),
        ("pip.conf", "[global\nindex-url = x\n", 1, "malformed section header"),
        (".pypirc", "[nexus]\njust words\n", 2, "expected 'key = value'"),
        (".gitlab-ci.yml", "job:\n  script: [a\n  b: c\n", 3, "invalid YAML"),
        (".gitlab-ci.yml", "- a\n- b\n", 1, "expected a mapping"),
        ("pyproject.toml", "[tool.uv\n", 1, "invalid TOML"),
    ],
)
def test_bad_input_is_an_input_error_with_its_line(tmp_path, name, text, line, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as caught:
        audit.check(tmp_path / name, select=["NEX"])
    assert caught.value.line == line and message in caught.value.message
    assert str(caught.value).startswith(f"{tmp_path / name}:{line}")


def test_not_utf8(tmp_path):
    (tmp_path / ".pypirc").write_bytes(b"[nexus]\nrepository = \xff\n")
    with pytest.raises(InputError) as caught:
        audit.check(tmp_path / ".pypirc", select=["NEX"])
    assert caught.value.line == 2 and "UTF-8" in caught.value.message
