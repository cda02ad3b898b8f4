"""CI rules: a failing and a passing file per rule, lines, pipeline shapes, bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shipyard import audit
from shipyard.config import Settings
from shipyard.pipeline import check_pipeline, parse
from shipyard.rules import all_rules, run_rules

HERE = Path(__file__).parent
CI_RULES = [r for r in all_rules() if r.family == "CI"]


def hits(text: str, rule_id: str = "CI") -> list[tuple[str, int]]:
    rules = [r for r in CI_RULES if r.id.startswith(rule_id)]
    found = run_rules(rules, parse(textwrap.dedent(text)), ".gitlab-ci.yml", Settings())
    return [(f.rule_id, f.line) for f in found]


@pytest.mark.parametrize("rule", CI_RULES, ids=[r.id for r in CI_RULES])
def test_bad_example_fires_and_good_example_passes(rule):
    assert rule.id in {i for i, _ in hits(rule.bad, rule.id)}
    assert hits(rule.good, rule.id) == []


def test_ci001_schema_error_on_the_key_line():
    assert hits("test:\n  script: pytest\n  artifact:\n    paths: [x]\n", "CI001") == [("CI001", 3)]


def test_ci001_invalid_yaml_and_documents():
    assert hits("a: [\n", "CI001") == [("CI001", 2)]
    assert hits("a: {script: x}\n---\nb: {script: y}\n", "CI001") == [("CI001", 1)]
    assert hits("", "CI001") == [("CI001", 1)]


def test_ci001_spec_header_and_reference_are_read_as_gitlab_does():
    text = """\
    spec:
      inputs:
        when: {default: manual, options: [manual, on_success]}
    ---
    .setup:
      script: [echo setup]
    job:
      when: $[[ inputs.when ]]
      script:
        - !reference [.setup, script]
        - echo job
    """
    assert hits(text, "CI001") == []
    assert hits(text.replace("default: manual", "default: sometimes"), "CI001") != []


def test_ci002_pass_and_fail():
    good = 'j:\n  script:\n    - echo "$P" | docker login -u u --password-stdin r\n'
    assert hits(good, "CI002") == []
    assert hits('j:\n  script:\n    - curl -u "ci:$TOKEN" https://x\n', "CI002") == [("CI002", 3)]
    assert hits("j:\n  script:\n    - git clone https://u:${T}@host/r.git\n", "CI002") == [
        ("CI002", 3)
    ]
    assert hits("j:\n  script:\n    - mkdir -p $DIR && ssh -p $PORT h\n", "CI002") == []


def test_ci002_message_never_shows_the_secret():
    text = "j:\n  script:\n    - tool upload --password s3cret-value\n"
    found = run_rules(CI_RULES, parse(text), "x", Settings())
    assert found and all("s3cret" not in f.message for f in found)


def test_no_finding_quotes_a_secret_written_in_the_file():
    canary = "s3cret-canary-7f1c"
    texts = [
        f"variables:\n  DEPLOY_TOKEN: [{canary}]\nj: {{script: [x]}}\n",
        f"variables:\n  DEPLOY_TOKEN: {{value: [{canary}]}}\nj: {{script: [x]}}\n",
        f'j:\n  script: ["curl -u ci:{canary} https://x", "docker login -p {canary} r"]\n',
        f"j:\n  image: https://u:{canary}@host/x\n  script: [x]\n",
    ]
    for text in texts:
        found = run_rules(CI_RULES, parse(text), "x", Settings())
        assert found and all(canary not in f.message for f in found), text


PUBLISH = "p:\n  stage: deploy\n  script: [twine upload dist/*]\n"


def test_ci003_limits():
    assert hits(PUBLISH, "CI003") == [("CI003", 1)]
    assert hits(PUBLISH + "  when: manual\n", "CI003") == [("CI003", 4)]
    assert hits(PUBLISH + "  only: [main]\n", "CI003") == []
    assert hits(PUBLISH + '  rules:\n    - if: $CI_COMMIT_REF_PROTECTED == "true"\n', "CI003") == []
    # a merge request pipeline targets the default branch: that is no limit
    mr = "  rules:\n    - if: $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == $CI_DEFAULT_BRANCH\n"
    assert hits(PUBLISH + mr, "CI003") == [("CI003", 4)]
    workflow = "workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\n"
    assert hits(workflow + PUBLISH, "CI003") == []
    inherited = ".tags:\n  rules: [{if: $CI_COMMIT_TAG}]\n" + PUBLISH + "  extends: .tags\n"
    assert hits(inherited, "CI003") == []


def test_ci004_tags_variables_and_ports():
    assert hits("j:\n  image: python:3.12\n  script: [x]\n", "CI004") == []
    assert hits("j:\n  image: registry:5000/a/b\n  script: [x]\n", "CI004") == [("CI004", 2)]
    text = "variables:\n  IMG: alpine\nj:\n  image: $IMG\n  script: [x]\n"
    assert hits(text, "CI004") == [("CI004", 4)]
    assert hits("j:\n  image: a/b@sha256:" + "0" * 64 + "\n  script: [x]\n", "CI004") == []
    assert hits("j:\n  image: $UNKNOWN\n  script: [x]\n", "CI004") == []


def test_ci005_versions():
    ok = "include:\n  - component: h/g/p/c@1.2.3\n  - project: g/p\n    ref: v1\n    file: a.yml\n"
    assert hits(ok + "j: {script: [x]}\n", "CI005") == []
    partial = "include:\n  - component: h/g/p/c@1.2\nj: {script: [x]}\n"
    assert hits(partial, "CI005") == [("CI005", 2)]


def test_ci006_only_and_except():
    assert hits("j:\n  script: [x]\n  except: [main]\n", "CI006") == [("CI006", 3)]
    assert hits("j:\n  script: [x]\n  rules: [{when: always}]\n", "CI006") == []


def test_ci007_needs_that_skip_tests():
    text = """\
    stages: [test, publish]
    unit: {stage: test, script: [pytest]}
    lint: {stage: test, script: [ruff check .]}
    p:
      stage: publish
      needs: [unit]
      rules: [{if: $CI_COMMIT_TAG}]
      script: [twine upload dist/*]
    """
    assert hits(text, "CI007") == [("CI007", 6)]
    assert hits(text.replace("needs: [unit]", "needs: [unit, lint]"), "CI007") == []


def test_ci008_needs_without_publish():
    text = PUBLISH.replace("deploy", "publish") + "d:\n  stage: deploy\n  environment: prod\n"
    text += "  needs: []\n  script: [./deploy]\n"
    assert hits(text, "CI008") == [("CI008", 7)]


def test_ci009_pages_and_reports_are_exempt():
    pages = "pages:\n  script: [x]\n  artifacts: {paths: [public]}\n"
    reports = "t:\n  script: [x]\n  artifacts: {reports: {junit: r.xml}}\n"
    assert hits(pages + reports, "CI009") == []


def test_ci010_job_variables_are_fine():
    assert hits("p:\n  variables: {TWINE_PASSWORD: $P}\n  script: [x]\n", "CI010") == []
    assert hits("variables:\n  API_TOKEN: $T\nj: {script: [x]}\n", "CI010") == [("CI010", 2)]


def test_ci011_only_deploys():
    assert hits("t:\n  script: [pip install pytest==8.3.0]\n", "CI011") == []
    deploy = "d:\n  environment: prod\n  script: [\"pip install 'app[web]==1.2'\"]\n"
    assert hits(deploy, "CI011") == [("CI011", 3)]


# Shapes of real pipelines, written for these tests; the expected verdicts are the rules'
# definitions applied by hand.
EXPECTED = {
    "templates_anchors.yml": [("CI002", 52), ("CI009", 42)],
    "component.yml": [("CI002", 18), ("CI003", 16), ("CI004", 15)],
    # templates are checked for what they hold wherever they are used; when they run is the
    # business of the jobs that extend them, in other files
    "templates_only.yml": [("CI002", 10), ("CI004", 5), ("CI009", 14)],
    "includes_workflow.yml": [
        ("CI002", 39), ("CI004", 45), ("CI005", 5), ("CI005", 12), ("CI008", 43), ("CI011", 48)
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_shapes(name):
    found = check_pipeline(HERE / "pipelines" / name, settings=Settings())
    assert sorted((f.rule_id, f.line) for f in found) == sorted(EXPECTED[name])


def test_the_seed_sample():
    from importlib import resources

    with resources.as_file(resources.files("shipyard") / "samples" / "seed_000") as folder:
        found = check_pipeline(folder / ".gitlab-ci.yml", settings=Settings())
    assert [(f.rule_id, f.line) for f in found] == [("CI010", 17), ("CI011", 93)]


WEIRD = [
    "42\n", "- a\n- b\n", "j: 3\n", "j:\n  script: 3\n", "j:\n  rules: x\n", "j:\n  needs: 3\n",
    "j:\n  extends: [.a, .a]\n", ".a:\n  extends: .b\n.b:\n  extends: .a\nj:\n  extends: .a\n",
    "include: 5\n", "variables: [a]\nj: {script: [x]}\n", "j:\n  image: {name: 3}\n",
    "j:\n  services: [3, {name: null}]\n", "workflow: {rules: [3]}\nj: {script: [x]}\n",
    "j:\n  rules:\n    - if: '$A == (('\n  script: [twine upload x]\n",
    "j:\n  script: [!reference [.nope, x]]\n", "stages: 3\nj: {stage: 4, script: [x]}\n",
    "j:\n  parallel: {matrix: [3]}\n  script: [x]\n", "\t: bad\n", "a: &x [*x]\n",
    ".t: &a\n  <<: *a\n",
]  # fmt: skip


@pytest.mark.parametrize("text", WEIRD)
def test_no_traceback_on_odd_files(text):
    from shipyard.pipeline import pipeline_diagram

    run_rules(CI_RULES, parse(text), "x", Settings())
    repr(pipeline_diagram(text))


def test_shipyard_check_runs_the_ci_family(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(PUBLISH, encoding="utf-8")
    found = audit.check(tmp_path, select=["CI"])
    assert ("CI003", ".gitlab-ci.yml") in {(f.rule_id, f.path) for f in found}


def test_shipyard_check_reads_a_file_with_a_spec_header(tmp_path):
    text = (HERE / "pipelines" / "component.yml").read_text(encoding="utf-8")
    (tmp_path / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
    found = audit.check(tmp_path)
    assert {"CI002", "CI003", "CI004"} <= {f.rule_id for f in found}


def test_lines_of_an_anchor_alias_point_at_the_anchor_text():
    text = ".hook: &hook |\n  docker login -p $P r\nj:\n  script:\n    - *hook\n"
    assert hits(text, "CI002") == [("CI002", 2)]


def test_shipyard_check_on_an_anchor_merged_into_itself(tmp_path):
    from shipyard.errors import InputError

    (tmp_path / ".gitlab-ci.yml").write_text(".t: &a\n  <<: *a\n", encoding="utf-8")
    with pytest.raises(InputError, match="alias refers to the collection it is in"):
        audit.check(tmp_path, select=["NEX"])
    found = check_pipeline(tmp_path / ".gitlab-ci.yml", settings=Settings())
    assert [(f.rule_id, f.line) for f in found] == [("CI001", 1)]


def test_keys_merged_from_an_anchor_point_at_the_anchor():
    # both jobs get the template's untagged image; it is written once, on line 2
    text = (
        ".t: &t\n  image: python\n  script: [x]\na:\n  <<: *t\nb:\n  <<: *t\n  image: py:latest\n"
    )
    assert hits(text, "CI004") == [("CI004", 2), ("CI004", 8)]


def test_ci004_checks_each_image_of_a_matrix():
    text = """\
        d:
          image: $IMAGE
          parallel:
            matrix:
              - IMAGE: ["python:latest", "python:3.12"]
              - IMAGE: python
          script: [x]
    """
    found = run_rules([r for r in CI_RULES if r.id == "CI004"], parse(textwrap.dedent(text)),
                      ".gitlab-ci.yml", Settings())  # fmt: skip
    assert sorted(f.message for f in found) == [
        "job d: image '$IMAGE' (python) has no tag, so it is :latest, which moves",
        "job d: image '$IMAGE' (python:latest) is tagged :latest, which moves",
    ]
    assert hits(text.replace("latest", "3.13").replace("- IMAGE: python\n", ""), "CI004") == []


def test_ci003_a_schedule_or_the_run_button_is_no_limit():
    push = '  script: [docker push "$CI_REGISTRY_IMAGE:nightly"]\n'
    nightly = "nightly:\n" + push + '  rules:\n    - if: $CI_PIPELINE_SOURCE == "schedule"\n'
    assert hits(nightly, "CI003") == [("CI003", 3)]
    assert hits("nightly:\n" + push + "  only: [schedules]\n", "CI003") == [("CI003", 3)]
    assert hits("button:\n" + push + "  only: [web]\n", "CI003") == [("CI003", 3)]
    on_main = nightly.replace('"schedule"', '"schedule" && $CI_COMMIT_BRANCH == "main"')
    assert hits(on_main, "CI003") == []
    found = run_rules([r for r in CI_RULES if r.id == "CI003"], parse(nightly), "x", Settings())
    assert "runs in a scheduled pipeline of a feature branch" in found[0].message


def test_ci003_a_branch_pattern_counts_as_protected():
    # GitLab protects branches by wildcard (release/*); a pattern other than feature branches'
    # is taken as such a protected pattern, and the rule's page says so
    rules = "  rules:\n    - if: $CI_COMMIT_BRANCH =~ /^release\\//\n"
    text = "r:\n  script: [twine upload dist/*]\n" + rules
    assert hits(text, "CI003") == []
