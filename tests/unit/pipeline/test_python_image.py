"""The python image stand-in: which jobs get it, and the before_script GitLab would give them."""

from __future__ import annotations

import textwrap

import pytest
from ruamel.yaml import YAML

from shipyard.errors import InputError
from shipyard.pipeline import _python_image as pi

LINE = 'eval "$("$SHIPYARD_PYTHON_IMAGE" {image} || echo exit 1)"'


def _run(pipeline: str) -> tuple[dict, tuple[str, ...]]:
    text, changed = pi.stand_in(textwrap.dedent(pipeline))
    return YAML(typ="safe").load(text.replace("!reference", "")), changed


def test_a_python_image_job_gets_the_line_before_its_own_before_script():
    data, changed = _run("""\
        default:
          image: mambaorg/micromamba:2.3.2
        gate:
          image: python:3.11-slim-bookworm
          before_script: [pip install ruff]
          script: [ruff check]
        build:
          script: [echo build]
        """)
    assert changed == ("gate",)
    assert data["gate"]["before_script"] == [LINE.format(image="python:3.11-slim-bookworm"),
                                             "pip install ruff"]  # fmt: skip
    assert "before_script" not in data["build"]


@pytest.mark.parametrize(
    ("image", "wanted"),
    [("python:3.12", True), ("python", True), ("docker.io/library/python:3.13-slim", True),
     ("python@sha256:abc", True), ("pythonista:1", False), ("mambaorg/micromamba:2", False),
     ("registry.example.com/python:3.12", False), ("", False)],
)  # fmt: skip
def test_which_images_are_python(image, wanted):
    assert pi.is_python_image(image) is wanted


@pytest.mark.parametrize(
    ("image", "version"),
    [("python:3.11-slim-bookworm", "3.11"), ("python:3.13", "3.13"), ("python:3", ""),
     ("python", ""), ("python:latest", ""), ("python:3.10.14-alpine", "3.10")],
)  # fmt: skip
def test_the_version_an_image_names(image, version):
    assert pi.python_version(image) == version


def test_before_script_comes_from_extends_later_parents_winning_then_default():
    data, _ = _run("""\
        default:
          before_script: [echo default]
        .a:
          image: python:3.12
          before_script: [echo a]
        .b:
          before_script: [echo b]
        .c:
          image: python:3.11
        both:
          extends: [.a, .b]
          script: [x]
        only-a:
          extends: .a
          script: [x]
        image-only:
          extends: [.a, .c]
          script: [x]
        own:
          extends: [.a, .b]
          before_script: echo own
          script: [x]
        """)
    line12, line11 = LINE.format(image="python:3.12"), LINE.format(image="python:3.11")
    assert data["both"]["before_script"] == [line12, "echo b"]
    assert data["only-a"]["before_script"] == [line12, "echo a"]
    assert data["image-only"]["before_script"] == [line11, "echo a"]  # .c's image wins
    assert data["own"]["before_script"] == [line12, "echo own"]  # a string is one command
    assert ".a" in data and "before_script" not in data[".c"]  # templates are left alone


def test_default_image_and_before_script_reach_jobs_unless_inherit_says_no():
    data, changed = _run("""\
        default:
          image: python:3.12
          before_script: [echo default]
        plain:
          script: [x]
        no-defaults:
          inherit:
            default: [image]
          script: [x]
        no-image:
          inherit:
            default: false
          script: [x]
        """)
    assert changed == ("plain", "no-defaults")
    assert data["plain"]["before_script"] == [LINE.format(image="python:3.12"), "echo default"]
    assert data["no-defaults"]["before_script"] == [LINE.format(image="python:3.12")]


def test_references_stay_references():
    text, _ = pi.stand_in(
        textwrap.dedent("""\
        .setup:
          before_script: [echo setup]
        whole:
          image: python:3.12
          before_script: !reference [.setup, before_script]
          script: [x]
        items:
          image: python:3.12
          before_script:
            - !reference [.setup, before_script]
            - echo mine
          script: [x]
        """)
    )
    assert text.count("!reference [.setup, before_script]") == 2
    data = YAML(typ="rt").load(text)
    assert [str(item) for item in data["items"]["before_script"]][2] == "echo mine"


def test_extends_cycles_and_deep_chains_end():
    deep = "\n".join(f".t{i}:\n  extends: .t{i + 1}" for i in range(30))
    cycles = textwrap.dedent("""\
        a:
          extends: b
          image: python:3.12
          script: [x]
        b:
          extends: a
          script: [x]
        self:
          extends: self
          image: python:3.12
          script: [x]
        """)
    data, changed = _run(
        cycles + deep + "\n.t30:\n  image: python:3.12\ndeep:\n  extends: .t0\n  script: [x]\n"
    )
    assert "a" in changed and "b" in changed and "self" in changed
    assert "deep" not in changed  # deeper than GitLab's 11 levels: GitLab rejects it anyway
    assert data["b"]["before_script"] == [LINE.format(image="python:3.12")]


def test_a_before_script_that_is_not_commands_is_a_clear_error():
    with pytest.raises(InputError, match=r"job 'gate': before_script is a .*, not a list") as err:
        pi.stand_in("gate:\n  image: python:3.12\n  before_script: {a: 1}\n  script: [x]\n")
    assert err.value.line == 1


@pytest.mark.parametrize(
    "pipeline",
    ["", "[1, 2]", "a: [", "job:\n  image: python:3.12\n",
     "trigger:\n  image: python:3\n  trigger: x\n", "build:\n  script: [echo]\n",
     "default: 3\nj:\n  image: python:3\n  extends: 5\n  script: [x]\n"],
)  # fmt: skip
def test_pipelines_without_a_python_job_or_unreadable_come_back_unchanged(pipeline):
    text, changed = pi.stand_in(pipeline)
    assert (text, changed) in ((pipeline, ()), (text, ("j",)))


def test_the_command_makes_a_fresh_environment_and_says_it_is_a_stand_in(tmp_path, capfd):
    stale = tmp_path / "envs" / "7" / "stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("", encoding="utf-8")
    code = pi.activate("python:3.12-slim", tmp_path / "envs", "7")
    err = capfd.readouterr().err
    assert "python:3.12-slim: a stand-in from Shipyard" in err
    assert "never into this machine's Python" in err
    assert code.startswith(". ") and code.strip().endswith("/envs/7/bin/activate")
    assert (tmp_path / "envs" / "7" / "pyvenv.cfg").is_file()
    assert not stale.exists()  # fresh: what a previous job left is gone
