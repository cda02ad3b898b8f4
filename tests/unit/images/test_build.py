"""The logic of image builds that needs no build: leaks, reports, settings, errors."""

from __future__ import annotations

import json

import pytest

from shipyard import images
from shipyard.containers import Engine, Mirror
from shipyard.errors import ShipyardError
from shipyard.findings import Finding
from shipyard.images.build import ImageReport
from shipyard.images.leaks import Leak, find_leaks
from shipyard.images.verdict import apply_build_verdict
from tests.unit.cli.test_cli import assert_clean_error, run

CANARY = "canary-7d1e-not-a-token"

HISTORY = [
    {"created_by": "/bin/sh -c #(nop) ADD file:0123 in /"},
    {"created_by": "/bin/sh -c #(nop) ARG NEXUS_TOKEN API_KEY"},
    {"created_by": f"|2 API_KEY=default-key NEXUS_TOKEN={CANARY} /bin/sh -c uv sync --frozen"},
    {"created_by": "/bin/sh -c #(nop) ENV UV_INDEX_NEXUS_PASSWORD=${NEXUS_TOKEN}"},
]


def test_build_argument_in_run_history_is_found_masked() -> None:
    leaks = find_leaks({}, HISTORY, {"NEXUS_TOKEN": CANARY})
    assert [leak.name for leak in leaks] == ["NEXUS_TOKEN", "API_KEY"]
    assert all(leak.where.startswith("history step 3: |2 API_KEY=**** NEXUS_TOKEN=****")
               for leak in leaks)  # fmt: skip
    assert CANARY not in json.dumps([leak.where for leak in leaks])
    assert "default-key" not in json.dumps([leak.where for leak in leaks])


def test_build_argument_kept_by_env_is_found_in_the_config() -> None:
    config = {"Env": ["PATH=/usr/bin", f"UV_INDEX_NEXUS_PASSWORD={CANARY}"]}
    leaks = find_leaks(config, [], {"NEXUS_TOKEN": CANARY})
    assert Leak("NEXUS_TOKEN", "config Env UV_INDEX_NEXUS_PASSWORD") in leaks
    assert Leak("UV_INDEX_NEXUS_PASSWORD", "config Env UV_INDEX_NEXUS_PASSWORD") in leaks


def test_build_argument_in_a_label_is_found() -> None:
    leaks = find_leaks({"Labels": {"build.token": CANARY}}, [], {"NEXUS_TOKEN": CANARY})
    assert leaks == [Leak("NEXUS_TOKEN", "config Labels build.token")]


def test_secret_like_arg_default_is_a_leak() -> None:
    history = [{"created_by": "/bin/sh -c #(nop) ARG DEPLOY_PASSWORD=hunter2"}]
    assert find_leaks({}, history, {}) == [
        Leak("DEPLOY_PASSWORD", "history step 1: ARG DEPLOY_PASSWORD=****")
    ]


def test_clean_image_has_no_leaks() -> None:
    config = {"Env": ["PATH=/app/.venv/bin:/usr/bin", "PYTHONUNBUFFERED=1", "TOKEN_FILE="]}
    history = [{"created_by": "|1 PYTHON_VERSION=3.11 /bin/sh -c useradd app"}]
    assert find_leaks(config, history, {"PYTHON_VERSION": "3.11", "EMPTY": ""}) == [
        Leak("PYTHON_VERSION", "history step 1: |1 PYTHON_VERSION=**** /bin/sh -c useradd app")
    ]
    assert find_leaks(config, history, {}) == []


def _report(**changes: object) -> ImageReport:
    values = dict(image="localhost/shipyard/app:dockerfile", dockerfile="Dockerfile", uid=10001,
                  user="10001", size_bytes=266_912_345, layers=5, command=["my-app"], exit_code=0,
                  output="my_app 1.0.0 is running\n", base_bytes=248_500_000)  # fmt: skip
    values.update(changes)
    return ImageReport(**values)  # type: ignore[arg-type]


def test_report_text_and_json() -> None:
    report = _report(pushed=["127.0.0.1:41234/shipyard/demo/app:1.0.0"])
    text = repr(report)
    assert "runs as      uid 10001" in text
    assert "266.9 MB in 5 layers (18.4 MB over its base)" in text
    assert "127.0.0.1:<port>/shipyard/demo/app:1.0.0" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert {"uid", "size_bytes", "layers", "pushed", "leaks"} <= set(data)
    assert data["uid"] == 10001 and data["size_bytes"] == 266_912_345


def test_report_of_root_and_of_a_service() -> None:
    text = repr(_report(uid=0, user="", exit_code=None, output=""))
    assert "runs as      root (config User: unset, root)" in text
    assert "still running after" in text


def test_comparison_rounds_sizes() -> None:
    table = images.compare(single=_report(uid=0, size_bytes=314_200_000),
                           multi=_report(size_bytes=266_900_000))  # fmt: skip
    rows = table.rows()
    assert rows[0] == ("single", "uid 0 (root)", "~310 MB", "~65 MB", "5", "none")
    assert rows[1] == ("multi", "uid 10001", "~270 MB", "~20 MB", "5", "none")
    assert "<table" in table._repr_html_()


def test_mirror_rewrites_docker_hub_and_ghcr() -> None:
    mirror = Mirror({"docker.io": "127.0.0.1:5001/docker.io", "ghcr.io": "127.0.0.1:5001/ghcr.io"},
                    insecure=("127.0.0.1:5000", "127.0.0.1:5001"))  # fmt: skip
    text = mirror.registries_conf()
    assert 'prefix = "docker.io"\nlocation = "127.0.0.1:5001/docker.io"\ninsecure = true' in text
    assert 'location = "127.0.0.1:5000"\ninsecure = true' in text


def test_missing_tools_say_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ShipyardError) as caught:
        Engine(tmp_path)
    assert "buildah" in str(caught.value)
    assert "apt-get install -y buildah podman skopeo runc" in caught.value.hint


def test_engine_writes_runc_and_capped_ulimits(tmp_path) -> None:
    engine = Engine(tmp_path)
    conf = (tmp_path / "containers.conf").read_text(encoding="utf-8")
    assert 'runtime = "runc"' in conf and '"nofile=20000:20000"' in conf
    assert engine.env["CONTAINERS_CONF"] == str(tmp_path / "containers.conf")


@pytest.mark.parametrize(
    ("argument", "message"),
    [("1BAD=x", "expected NAME=VALUE"), ("SHIPYARD_NOT_SET_ANYWHERE", "no value given")],
)
def test_cli_rejects_bad_build_arguments(argument: str, message: str, tmp_path) -> None:
    assert_clean_error(run("image", "build", str(tmp_path), "--build-arg", argument), message)


def test_missing_dockerfile_is_an_input_error(tmp_path) -> None:
    from shipyard.errors import InputError
    from shipyard.images.build import _dockerfile

    with pytest.raises(InputError) as caught:
        _dockerfile(tmp_path, None, None, tmp_path, sandbox=True)
    assert "--variant" in caught.value.hint


def _finding(rule_id: str, path: str = "Dockerfile") -> Finding:
    return Finding(path, 1, rule_id, "error", "text verdict", "https://example.invalid/img001")


@pytest.mark.parametrize(
    ("uid", "text", "expected"),
    [
        (0, [], ["IMG001"]),  # the text could not tell; the build says root
        (10001, ["IMG001"], []),  # the text assumed root; the build says otherwise
        (0, ["IMG001"], ["IMG001"]),  # both say root: the text's finding stays
        (10001, [], []),
        (None, ["IMG001"], ["IMG001"]),  # not measured: the text's verdict stays
    ],
)
def test_build_verdict_decides_img001(uid, text, expected) -> None:
    findings = [_finding(r) for r in text] + [_finding("IMG003"), _finding("IMG001", "other")]
    decided = apply_build_verdict(findings, _report(uid=uid), "Dockerfile", 3, "https://x/img001")
    assert sorted(f.rule_id for f in decided if f.path == "Dockerfile" and f.rule_id == "IMG001") \
        == expected  # fmt: skip
    assert any(f.rule_id == "IMG003" for f in decided)
    assert any(f.path == "other" for f in decided)  # another Dockerfile keeps its own verdict


def test_report_text_for_the_command_line_keeps_real_ports() -> None:
    report = _report(pushed=["127.0.0.1:41234/shipyard/demo/app:1.0.0"])
    assert "127.0.0.1:41234/shipyard/demo/app:1.0.0" in report.text(stable=False)
    assert "127.0.0.1:<port>/shipyard/demo/app:1.0.0" in report.text()
