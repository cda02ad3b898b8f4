"""Consumer configuration: pip, twine, uv; credentials by reference only."""

from __future__ import annotations

import configparser
import tomllib

from shipyard.nexus import consumers

URL = "https://nexus.corp.local/repository/pypi-internal/"


def test_urls_from_either_form():
    for given in (URL, URL.rstrip("/"), URL + "simple/", URL + "simple"):
        assert consumers.upload_url(given) == URL
        assert consumers.index_url(given) == URL + "simple/"


def test_pip_conf_has_one_index_and_no_credentials():
    parser = configparser.ConfigParser()
    parser.read_string(consumers.pip_conf(URL))
    assert parser["global"]["index-url"] == URL + "simple/"
    assert "extra-index-url" not in parser["global"]
    env = consumers.pip_index_env(URL)
    assert env == {
        "PIP_INDEX_URL": "https://${NEXUS_PYPI_USERNAME}:${NEXUS_PYPI_PASSWORD}@"
        "nexus.corp.local/repository/pypi-internal/simple/"
    }


def test_pypirc_points_twine_at_the_upload_url():
    parser = configparser.ConfigParser()
    parser.read_string(consumers.pypirc(URL + "simple/"))
    assert parser["distutils"]["index-servers"].split() == ["nexus"]
    assert parser["nexus"]["repository"] == URL
    assert "password" not in parser["nexus"] and "username" not in parser["nexus"]


def test_twine_env_and_bearer_variant():
    assert consumers.twine_env()["TWINE_PASSWORD"] == "$NEXUS_PYPI_PASSWORD"
    bearer = consumers.twine_env(bearer_token=True)
    assert bearer["TWINE_USERNAME"] and bearer["TWINE_PASSWORD"] == "$NEXUS_PYPI_TOKEN"


def test_uv_index_is_explicit_with_env_credentials():
    data = tomllib.loads(consumers.uv_index(URL, name="corp-nexus", packages=("my-app",)))
    index = data["tool"]["uv"]["index"][0]
    assert index == {
        "name": "corp-nexus",
        "url": URL + "simple/",
        "publish-url": URL,
        "explicit": True,
    }
    assert data["tool"]["uv"]["sources"]["my-app"] == {"index": "corp-nexus"}
    assert set(consumers.uv_env("corp-nexus")) == {
        "UV_INDEX_CORP_NEXUS_USERNAME",
        "UV_INDEX_CORP_NEXUS_PASSWORD",
    }


def test_everything_rendered_refers_to_variables_only():
    config = consumers.consumer_config("http://127.0.0.1:4711/repository/pypi-internal/")
    shown = repr(config)
    assert "127.0.0.1:<port>" in shown and "4711" not in shown
    assert "pip.conf" in config.sections and "bearer-token variant" in config.sections
    for text in config.sections.values():
        assert "password =" not in text.lower()
