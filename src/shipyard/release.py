"""Packaging and publishing (chapter 02): build, version, check, publish, release.

The notebook-facing face of the chapter's modules:

- builds with the real ``build`` frontend, its backends from the target Nexus
  (:func:`seed_build_backends`, :func:`build`), ``twine check`` (:func:`twine_check`) and what
  is inside a wheel or an sdist (:func:`open_distribution`);
- versions by hand or from git tags (:class:`GitRepo`, :func:`use_hatch_vcs`,
  :func:`hatch_vcs_table`, :func:`explain_version`);
- ``poetry publish`` configured by environment variables (:func:`poetry_publish`,
  :func:`run_poetry`);
- release tags and the deploy job (:func:`release_matrix`, :func:`deploy_job`) and trusted
  publishing (:func:`trusted_publish`).

Uploading with twine and installing with pip are in :mod:`shipyard.publish`.
"""

from shipyard._build import build, open_distribution, seed_build_backends, twine_check
from shipyard._poetry import poetry_env_names, poetry_publish, run_poetry
from shipyard._release import RELEASE_RULE, deploy_job, release_matrix, trusted_publish
from shipyard._versioning import GitRepo, explain_version, hatch_vcs_table, use_hatch_vcs

__all__ = [
    "RELEASE_RULE",
    "GitRepo",
    "build",
    "deploy_job",
    "explain_version",
    "hatch_vcs_table",
    "open_distribution",
    "poetry_env_names",
    "poetry_publish",
    "release_matrix",
    "run_poetry",
    "seed_build_backends",
    "trusted_publish",
    "twine_check",
    "use_hatch_vcs",
]
