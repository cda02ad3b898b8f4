import pytest

from shipyard.errors import ConfigError
from shipyard.gates import semgrep

from ._helpers import context, write_project

BAD = '''\
"""M."""
import requests

API_TOKEN = "s3cr3t"


def fetch(url):
    """F."""
    return requests.get(url, verify=False)
'''


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """One semgrep run (it takes seconds) on a clean package and a bad one."""
    root = write_project(tmp_path_factory.mktemp("semgrep"), bad__mod_py=BAD)
    (root / "pyproject.toml").write_text('[tool.shipyard.gates]\npaths = ["tiny", "bad"]\n')
    return semgrep.run(context(root))


def test_semgrep_passes_clean_code(scanned):
    assert not [f for f in scanned.findings if f.path.startswith("tiny/")]


def test_semgrep_reports_the_repositorys_rules(scanned):
    assert scanned.status == "failed"
    found = {(f.path, f.line, f.rule_id) for f in scanned.findings}
    assert found == {
        ("bad/mod.py", 4, "shipyard-hardcoded-credential"),
        ("bad/mod.py", 9, "shipyard-tls-verification-disabled"),
    }


def test_registry_configs_are_refused(tmp_path):
    root = write_project(tmp_path)
    (root / "pyproject.toml").write_text('[tool.shipyard.gates]\nsemgrep-config = "p/python"\n')
    with pytest.raises(ConfigError, match="registry config"):
        semgrep.rules_file(context(root))


def test_missing_rules_file_is_an_error(tmp_path):
    root = write_project(tmp_path)
    (root / "pyproject.toml").write_text('[tool.shipyard.gates]\nsemgrep-config = "rules.yml"\n')
    with pytest.raises(ConfigError, match="no such file"):
        semgrep.rules_file(context(root))
