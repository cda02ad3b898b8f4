"""Chapter 06, the pipeline: render a project's ``.gitlab-ci.yml`` and check any one.

- :func:`render_pipeline` / :func:`write_pipeline`: the seed's build -> test -> publish -> deploy
  for a project, with chapter 05's gates, chapter 04's image, Pages and release tags;
- :func:`check_pipeline`: the CI rules (``CI001``...) on one or more files;
- :func:`pipeline_diagram`: the stages and ``needs`` of a pipeline, as a picture;
- :func:`~shipyard.pipeline.run.run_pipeline`: run it here with gitlab-ci-local against the
  target (:mod:`shipyard.pipeline.run`), with a stand-in micromamba
  (``shipyard.pipeline._micromamba``) and this machine's buildah for the image job, and
  :func:`~shipyard.pipeline.run.retry_job` to run one job of a kept run again, as GitLab's
  *Retry*;
- :func:`pushed_tags` / :func:`run_pushed_image`: what the image job pushed to the sandbox's
  registry, and the image run.
"""

from __future__ import annotations

from shipyard.pipeline._check import check_pipeline
from shipyard.pipeline._diagram import PipelineDiagram, pipeline_diagram
from shipyard.pipeline._image_job import pushed_tags, run_pushed_image
from shipyard.pipeline.ciyaml import CiFile, Job, Line, load, parse
from shipyard.pipeline.render import (
    CI_VARIABLES,
    RenderedPipeline,
    render_pipeline,
    write_pipeline,
)
from shipyard.pipeline.run import (
    PipelineResult,
    channel_pythons,
    hosted_files,
    prepare_target,
    retry_job,
    run_pipeline,
)

#: The runbook chapter this package serves.
RUNBOOK_CHAPTER = "06_pipeline"

__all__ = [
    "CI_VARIABLES",
    "CiFile",
    "Job",
    "Line",
    "PipelineDiagram",
    "PipelineResult",
    "RUNBOOK_CHAPTER",
    "RenderedPipeline",
    "channel_pythons",
    "check_pipeline",
    "hosted_files",
    "load",
    "parse",
    "pipeline_diagram",
    "prepare_target",
    "pushed_tags",
    "render_pipeline",
    "retry_job",
    "run_pipeline",
    "run_pushed_image",
    "write_pipeline",
]

# The re-exported types and functions are documented, and referenced, as shipyard.pipeline.*.
for _public in (CiFile, Job, Line, PipelineDiagram, RenderedPipeline, check_pipeline, load,
                parse, pipeline_diagram, pushed_tags, render_pipeline, run_pushed_image,
                write_pipeline):  # fmt: skip
    _public.__module__ = __name__
