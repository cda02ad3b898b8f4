"""CI: rules for any ``.gitlab-ci.yml`` — valid for GitLab, no secrets on command lines, and a
pipeline that publishes only what it tested, from protected refs, with pinned images and includes.

Each rule's check takes a :class:`~shipyard.pipeline.ciyaml.CiFile` (``!reference`` tags,
anchors, ``extends:`` and a component's ``spec:`` header already handled) and yields a
:class:`~shipyard.rules.Hit` per problem, on the line the problem is written on. A check that
cannot tell (a template from an include, an expression it cannot read) says nothing rather
than guess.
"""  # noqa: D205

from __future__ import annotations

import re
from collections.abc import Iterator

from shipyard.pipeline import _checks as checks
from shipyard.pipeline import _jobs as jobs
from shipyard.pipeline.ciyaml import CiFile, _item_line, _key_line
from shipyard.rules import Hit, rule

__all__: list[str] = []

# user:password@ at the start of a reference or after a scheme: never quoted in a message.
_CREDENTIALS = re.compile(r"(?<![^/:])[^/\s:@]+:[^/\s@]*@")


# -- CI001 ----------------------------------------------------------------------------------------


@rule(
    "CI001",
    "The file is valid for GitLab (its CI JSON schema)",
    "error",
    why="""
        GitLab refuses a pipeline whose configuration breaks its schema, and says so only when
        the pipeline is created, after the push. A misspelt keyword (`artifact:`), a `script`
        that is a number, or a `when` GitLab does not know stops every pipeline of the branch.
        Shipyard checks the file against GitLab's own CI JSON schema (the copy check-jsonschema
        vendors) the way GitLab reads it: `!reference` tags, anchors, and a `spec:` header
        followed by `---` and the configuration, with `$[[ inputs.x ]]` replaced by the input's
        default.
    """,
    bad="""
        test:
          stage: test
          script: pytest
          artifact:
            paths: [report.xml]
    """,
    good="""
        test:
          stage: test
          script: pytest
          artifacts:
            paths: [report.xml]
            expire_in: 1 week
    """,
    fix="Fix the key or value the message names (GitLab's keyword reference: "
    "https://docs.gitlab.com/ci/yaml/). `shipyard pipeline check` runs the same check locally.",
    language="yaml",
)
def valid_for_gitlab(ci: CiFile) -> Iterator[Hit]:
    """Validate each document against GitLab's CI schema."""
    for message, line in checks.schema_errors(ci):
        yield Hit(message, line)


# -- CI002 ----------------------------------------------------------------------------------------


@rule(
    "CI002",
    "Passwords and tokens are not passed as command-line arguments",
    "error",
    why="""
        A password on a command line (`docker login -p $PASS`, `--password $TOKEN`,
        `curl -u user:$TOKEN`, `https://user:$TOKEN@host`) is expanded into the process's
        arguments, which every other process on the runner can read (`ps`, `/proc/<pid>/
        cmdline`), which `set -x` prints into the job log, and which some tools echo in their
        errors. GitLab masks a variable's value in the log only when it is printed whole.
    """,
    bad="""
        publish-image:
          script:
            - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"
    """,
    good="""
        publish-image:
          script:
            - echo "$CI_REGISTRY_PASSWORD" |
                docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    """,
    fix="Give the secret through standard input (`--password-stdin`), an environment variable "
    "the tool reads (`TWINE_PASSWORD`, `UV_PUBLISH_TOKEN`), or a file (`curl --netrc-file`).",
    language="yaml",
)
def no_secret_arguments(ci: CiFile) -> Iterator[Hit]:
    """Flag script lines that pass a password or token as an argument."""
    if ci.data is None:
        return
    seen: set[int] = set()
    for job in ci.jobs(hidden=True):  # a template's commands run in every job that extends it
        for line in ci.script(job):
            how = checks.secret_argument(line.text)
            if how and line.line not in seen:
                seen.add(line.line)
                yield Hit(f"job {job.name}: {how} puts a secret on the command line", line.line)


# -- CI003 ----------------------------------------------------------------------------------------


@rule(
    "CI003",
    "Jobs that publish run only on the default branch, protected refs or tags",
    "error",
    why="""
        A job that uploads a wheel or pushes an image on every branch lets anyone who can push a
        branch publish unreviewed code under the team's name, with the deploy credentials. Only
        protected refs get protected CI variables, so on a feature branch such a job either
        fails or, worse, works with credentials that were not protected. `when: manual` is no
        limit: anyone who can run the pipeline can press the button. Shipyard evaluates the
        job's `rules` (or `only`/`except`), what it inherits through `extends`, and
        `workflow:rules` for a push to a feature branch and for a merge request, and, for a job
        that runs in neither, for a scheduled pipeline and one started with *Run pipeline* on a
        feature branch: anyone who can push a branch can start those too.

        What counts as a limit: the default branch, `$CI_COMMIT_REF_PROTECTED`, a tag, and any
        other branch name or pattern the rule names (`$CI_COMMIT_BRANCH =~ /^release\\//`),
        which Shipyard takes to be protected (*Settings → Repository → Protected branches*
        takes wildcards): protect them, or the limit is none. A job that extends a template
        the file does not define (one from an `include:`, or from the file that includes this
        one) is not judged: its rules may come from there.
    """,
    bad="""
        publish_wheel:
          stage: publish
          script:
            - twine upload --repository-url "$NEXUS_PYPI_URL" dist/*.whl
          when: manual
    """,
    good="""
        publish_wheel:
          stage: publish
          script:
            - twine upload --repository-url "$NEXUS_PYPI_URL" dist/*.whl
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
            - if: $CI_COMMIT_TAG =~ /^v-/
    """,
    fix="Give the job `rules:` that match only the default branch "
    "(`$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH`), release tags (`$CI_COMMIT_TAG`) or "
    'protected refs (`$CI_COMMIT_REF_PROTECTED == "true"`), and make its credentials '
    "protected CI/CD variables.",
    language="yaml",
)
def publish_limited(ci: CiFile) -> Iterator[Hit]:
    """Flag publishing jobs that run in a feature-branch or merge-request pipeline."""
    if ci.data is None:
        return
    for job in ci.jobs():
        command = jobs.publish_command(ci, job)
        if not command or job.unresolved:
            continue
        ran = checks.unprotected_runs(ci, job)
        if ran:
            manual = " (when: manual is no limit)" if job.get("when") == "manual" else ""
            yield Hit(
                f"job {job.name} publishes ({jobs.shown(command, 50)}) and runs in "
                f"{' and '.join(ran)}{manual}",
                jobs.line_of_limits(job),
            )


# -- CI004 ----------------------------------------------------------------------------------------


@rule(
    "CI004",
    "Images and services name a fixed tag",
    "warning",
    why="""
        An image without a tag is `:latest`, and `:latest` is whatever was pushed last: the
        same commit builds with another Python, another libc or another tool next week, and a
        failure cannot be reproduced. Pin a version tag (`python:3.12-slim-bookworm`), or a
        digest for full reproducibility. Variables defined in the file are resolved first,
        each value of a `parallel: matrix` in turn; a registry port
        (`registry:5000/tools/builder`) is not a tag.
    """,
    bad="""
        default:
          image: python
        test:
          services:
            - postgres:latest
    """,
    good="""
        default:
          image: python:3.12-slim-bookworm
        test:
          services:
            - postgres:16.4
    """,
    fix="Name a version tag, or a digest (`image@sha256:...`); let Renovate or Dependabot move it.",
    language="yaml",
)
def images_pinned(ci: CiFile) -> Iterator[Hit]:
    """Flag images and services that have no tag, or ``:latest``."""
    if ci.data is None:
        return
    seen: set[tuple[int, str]] = set()
    for where, reference, line, variables in checks.images(ci):
        expanded = checks.expand(reference, variables)
        if "$[[" in reference or (line, expanded) in seen:
            continue
        seen.add((line, expanded))
        problem = checks.tag_problem(expanded)
        if problem:
            shown = repr(_CREDENTIALS.sub("****@", reference))
            if expanded != reference:
                shown += f" ({_CREDENTIALS.sub('****@', expanded)})"
            yield Hit(f"{where}: image {shown} {problem}", line)


# -- CI005 ----------------------------------------------------------------------------------------


@rule(
    "CI005",
    "Included projects and components are pinned to a version",
    "warning",
    why="""
        `include: project:` without `ref:` takes the other project's default branch as it is
        when each pipeline starts, and a component at `~latest`, a branch or a partial version
        (`@1`, `@1.2`) moves too: a change someone else merges changes your pipeline, without
        a commit in your repository and without review.
    """,
    bad="""
        include:
          - project: platform/ci-templates
            file: /python.yml
          - component: $CI_SERVER_FQDN/platform/gates/gates@~latest
    """,
    good="""
        include:
          - project: platform/ci-templates
            ref: v2.3.1
            file: /python.yml
          - component: $CI_SERVER_FQDN/platform/gates/gates@1.4.0
    """,
    fix="Add `ref:` with a tag or a commit SHA to `project:` includes; give components an "
    "exact version (`@1.4.0`) or a commit SHA.",
    language="yaml",
)
def includes_pinned(ci: CiFile) -> Iterator[Hit]:
    """Flag project includes without ``ref`` and components without an exact version."""
    if ci.data is None:
        return
    include = ci.data.get("include")
    entries = include if isinstance(include, list) else [include]
    for index, entry in enumerate(entries):
        problem = checks.include_problem(entry)
        if problem:
            line = _item_line(include, index, ci.line_of("include")) if include is entries \
                else ci.line_of("include")  # fmt: skip
            yield Hit(problem, line)


# -- CI006 ----------------------------------------------------------------------------------------


@rule(
    "CI006",
    "Jobs choose when they run with rules:, not only:/except:",
    "warning",
    why="""
        `only:` and `except:` are deprecated: GitLab develops `rules:` only, and the two cannot
        be mixed in one job. `only`/`except` cannot say "on the default branch, whatever it is
        called", cannot combine conditions, and behave surprisingly in merge request pipelines.
    """,
    bad="""
        publish:
          script: [twine upload dist/*]
          only:
            - main
            - tags
    """,
    good="""
        publish:
          script: [twine upload dist/*]
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
            - if: $CI_COMMIT_TAG
    """,
    fix="Rewrite each `only:`/`except:` as `rules:` (GitLab's guide: "
    "https://docs.gitlab.com/ci/jobs/job_rules/).",
    language="yaml",
)
def no_only_except(ci: CiFile) -> Iterator[Hit]:
    """Flag ``only:`` and ``except:`` in jobs and templates."""
    if ci.data is None:
        return
    for name, body in ci.data.items():
        if not isinstance(body, dict) or name in ("default", "workflow", "variables", "spec"):
            continue
        for key in ("only", "except"):
            if key in body:
                yield Hit(f"job {name} uses {key}:", _key_line(body, key))


# -- CI007 ----------------------------------------------------------------------------------------


@rule(
    "CI007",
    "Jobs that publish wait for the tests",
    "error",
    why="""
        A publish job that starts before the tests finish (an earlier or the same stage, or
        `needs:` that leave the test jobs out) uploads a wheel or an image whatever the tests
        say. With Nexus's `ALLOW_ONCE` policy that version is then taken for good: the fix
        needs a new version number. The seed's order is build → test → publish → deploy, and
        every gate of chapter 05 counts as a test.
    """,
    bad="""
        stages: [build, publish, test]
        publish_wheel:
          stage: publish
          script: [twine upload --repository-url "$NEXUS_PYPI_URL" dist/*.whl]
        test:
          stage: test
          script: [pytest]
    """,
    good="""
        stages: [build, test, publish]
        test:
          stage: test
          script: [pytest]
        publish_wheel:
          stage: publish
          needs: [build_wheel, test]
          script: [twine upload --repository-url "$NEXUS_PYPI_URL" dist/*.whl]
    """,
    fix="Put the publish job in a stage after the tests, and list every test job in its "
    "`needs:` when it has one.",
    language="yaml",
)
def publish_after_tests(ci: CiFile) -> Iterator[Hit]:
    """Flag publishing jobs that do not wait for every test job."""
    if ci.data is None:
        return
    tests = [j for j in ci.jobs() if jobs.is_test(ci, j)]
    for job in ci.jobs():
        missing = checks.untested(ci, job, tests)
        if missing:
            yield Hit(f"job {job.name} publishes, but {missing[0]} {', '.join(missing[1])}",
                      missing[2])  # fmt: skip


# -- CI008 ----------------------------------------------------------------------------------------


@rule(
    "CI008",
    "Deploy jobs need the job that publishes what they deploy",
    "warning",
    why="""
        Without `needs:`, a deploy job is tied to its stage, not to the publish: when the
        publish job is left out by its rules, allowed to fail, or manual, the deploy runs anyway
        and installs whatever Nexus holds, an older version or none. With `needs: [publish]`
        GitLab runs the deploy only after that job succeeded, and refuses a pipeline where it
        cannot.
    """,
    bad="""
        publish_wheel:
          stage: publish
          rules: [{if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH}]
          script: [twine upload --repository-url "$NEXUS_PYPI_URL" dist/*.whl]
        deploy_prod:
          stage: deploy
          environment: production
          script:
            - pip install --index-url "${NEXUS_PYPI_URL}simple/" --no-deps "my_app==$APP_VERSION"
    """,
    good="""
        publish_wheel:
          stage: publish
          rules: [{if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH}]
          script: [twine upload --repository-url "$NEXUS_PYPI_URL" dist/*.whl]
        deploy_prod:
          stage: deploy
          environment: production
          needs: [publish_wheel]
          script:
            - pip install --index-url "${NEXUS_PYPI_URL}simple/" --no-deps "my_app==$APP_VERSION"
    """,
    fix="List the publish job in the deploy job's `needs:`.",
    language="yaml",
)
def deploy_needs_publish(ci: CiFile) -> Iterator[Hit]:
    """Flag deploy jobs whose ``needs`` do not reach a publishing job."""
    if ci.data is None:
        return
    publishers = {j.name for j in ci.jobs() if jobs.publish_command(ci, j)}
    if not publishers:
        return
    for job in ci.jobs():
        if not jobs.deploys(ci, job) or job.unresolved:
            continue
        names = jobs.needed(job)
        if names is None:
            yield Hit(f"deploy job {job.name} has no needs: it runs whether or not "
                      f"{', '.join(sorted(publishers))} ran", job.line)  # fmt: skip
        elif not publishers & jobs.waits_for(ci, job):
            yield Hit(f"deploy job {job.name} does not need {', '.join(sorted(publishers))}",
                      job.line_of("needs"))  # fmt: skip


# -- CI009 ----------------------------------------------------------------------------------------


@rule(
    "CI009",
    "Artifacts expire",
    "warning",
    why="""
        Artifacts without `expire_in` are kept for the instance's default (30 days on
        GitLab.com, possibly forever on a self-managed instance), for every pipeline of every
        branch: wheels, reports and images' build contexts pile up in storage nobody looks at.
        A job's artifacts are needed for the rest of its pipeline and for a while to debug;
        the published wheel lives in Nexus. Pages jobs are exempt: their site is deployed
        from the artifact.
    """,
    bad="""
        build_wheel:
          script: [python -m build --wheel]
          artifacts:
            paths: [dist/]
    """,
    good="""
        build_wheel:
          script: [python -m build --wheel]
          artifacts:
            paths: [dist/]
            expire_in: 1 week
    """,
    fix="Add `expire_in:` (e.g. `1 week`) to the job's `artifacts:`.",
    language="yaml",
)
def artifacts_expire(ci: CiFile) -> Iterator[Hit]:
    """Flag ``artifacts:`` with paths but no ``expire_in``."""
    if ci.data is None:
        return
    seen: set[int] = set()
    for job in ci.jobs(hidden=True):
        artifacts = job.get("artifacts")
        if not isinstance(artifacts, dict) or jobs.is_pages(job) or "expire_in" in artifacts:
            continue
        line = job.line_of("artifacts")
        if (artifacts.get("paths") or artifacts.get("untracked")) and line not in seen:
            seen.add(line)
            yield Hit(f"job {job.name}: artifacts without expire_in", line)


# -- CI010 ----------------------------------------------------------------------------------------


@rule(
    "CI010",
    "Secrets reach only the jobs that use them",
    "warning",
    why="""
        A password or token in the global `variables:` (even as a reference,
        `TWINE_PASSWORD: "$NEXUS_PYPI_PASSWORD"`) is exported to every job: the test job runs
        code from every dependency and every merge request, and each of them can read the
        environment. The seed sets the deploy user's password globally; only its publish job
        needs it.
    """,
    bad="""
        variables:
          TWINE_USERNAME: "$NEXUS_PYPI_USERNAME"
          TWINE_PASSWORD: "$NEXUS_PYPI_PASSWORD"
    """,
    good="""
        publish_wheel:
          variables:
            TWINE_USERNAME: "$NEXUS_PYPI_USERNAME"
            TWINE_PASSWORD: "$NEXUS_PYPI_PASSWORD"
    """,
    fix="Move the variable into the `variables:` of the job that uses it (and keep the value "
    "itself a protected, masked CI/CD variable).",
    language="yaml",
)
def secrets_scoped(ci: CiFile) -> Iterator[Hit]:
    """Flag secret-looking names in the global ``variables:``."""
    if ci.data is None:
        return
    block = ci.data.get("variables")
    if not isinstance(block, dict):
        return
    for name in block:
        secret = checks.SECRET_NAME.search(str(name))
        if secret and not str(name).endswith(("_FILE", "_PATH", "_URL")):
            yield Hit(f"global variable {name} is given to every job", _key_line(block, name))


# -- CI011 ----------------------------------------------------------------------------------------

_PINNED = re.compile(r"(?<![\w$])([A-Za-z][\w.-]*+)(?:\[[\w,.-]*\])?==(\d[\w.+!-]*)")
_PIP_INSTALL = re.compile(r"\b(?:pip3?|uv\s+pip|python3?\s+-m\s+pip)\s+install\b")


@rule(
    "CI011",
    "The deploy job installs the version the pipeline built",
    "warning",
    why="""
        The seed's deploy job runs `pip install ... my_app==1.0.0`: after the next release it
        still installs 1.0.0, and nothing fails to say so. The version belongs to the build:
        the build job can hand it on (an `artifacts:reports:dotenv` file with
        `APP_VERSION=...`), and the deploy job installs `my_app==$APP_VERSION`.
    """,
    bad="""
        deploy_prod:
          stage: deploy
          script:
            - pip install --index-url "${NEXUS_PYPI_URL}simple/" --no-deps my_app==1.0.0
    """,
    good="""
        deploy_prod:
          stage: deploy
          needs: [build_wheel, publish_wheel]   # build_wheel's dotenv report sets APP_VERSION
          script:
            - pip install --index-url "${NEXUS_PYPI_URL}simple/" --no-deps "my_app==$APP_VERSION"
    """,
    fix="Pass the version from the build job (`artifacts:reports:dotenv`) and install "
    "`name==$APP_VERSION`.",
    language="yaml",
)
def deploy_version_from_build(ci: CiFile) -> Iterator[Hit]:
    """Flag literal ``==version`` pins in pip installs of deploy jobs (or ``--no-deps`` ones)."""
    if ci.data is None:
        return
    for job in ci.jobs():
        deploying = jobs.deploys(ci, job)
        for line in ci.script(job):
            if not _PIP_INSTALL.search(line.text):
                continue
            if not (deploying or "--no-deps" in line.text):
                continue
            for match in _PINNED.finditer(line.text):
                yield Hit(f"job {job.name} installs {match.group(0)}, a version written in the "
                          "file", line.line)  # fmt: skip
