from __future__ import annotations

from shipyard import runbook
from shipyard.config import load_settings


def test_sample_project_paths_are_normalised(tmp_path):
    project = runbook.sample_project("my_app", into=tmp_path)
    assert repr(project).startswith("<workspace>/my_app\n")
    assert "pyproject.toml" in project.files()
    result = project.run("shipyard check --format json; pwd")
    assert str(tmp_path) not in repr(result)
    assert "<workspace>/my_app" in result.output
    assert result.returncode == 0


def test_ports_are_normalised():
    assert runbook.normalise("http://127.0.0.1:40123/x localhost:8081") == (
        "http://127.0.0.1:<port>/x localhost:<port>"
    )


def test_unknown_sample():
    import pytest

    from shipyard.errors import ConfigError

    with pytest.raises(ConfigError, match="no sample project .nope."):
        runbook.sample_project("nope")


def test_target_explains_itself(tmp_path):
    assert runbook.target(load_settings(tmp_path, environ={})).name == "sandbox"
    both = {"SHIPYARD_GITLAB_URL": "https://gl", "SHIPYARD_NEXUS_URL": "https://nx"}
    real = runbook.target(load_settings(tmp_path, environ=both))
    assert real.name == "real" and real.gitlab == "https://gl" and real.nexus == "https://nx"
    assert "SHIPYARD_NEXUS_URL and SHIPYARD_GITLAB_URL are set" in repr(real)


def test_diagram_is_svg():
    svg = runbook.path_diagram()._repr_svg_()
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for stage in ("build", "test", "publish", "deploy"):
        assert f">{stage}<" in svg


def test_diagram_links_only_the_steps_given():
    svg = runbook.path_diagram({"publish": "01.html", "images": "04.html"})._repr_svg_()
    assert svg.count("<a ") == 2 and '<a href="01.html">' in svg and '<a href="04.html">' in svg
    assert set(runbook.DIAGRAM_KEYS) >= {"build", "test", "publish", "deploy", "images", "pipeline"}
    assert "<a " not in runbook.path_diagram()._repr_svg_()
