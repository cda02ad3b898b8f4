"""Local stand-ins for Nexus and GitLab, on loopback, started and stopped as one context manager.

:class:`Sandbox` starts a Nexus stand-in (the REST subset the runbook uses, and a real PyPI index
served by pypiserver behind every hosted PyPI repository) and a GitLab API stand-in (CI variables,
CI lint) that python-gitlab talks to unchanged. :func:`run_foreground` is the body of
``shipyard sandbox start``. Importing this package is cheap: the servers load on start.
"""

from shipyard.sandbox._pypi_oidc import StandInGitLabIssuer, StandInPyPI, TrustedPublisher
from shipyard.sandbox._sandbox import Sandbox, run_foreground

__all__ = ["Sandbox", "StandInGitLabIssuer", "StandInPyPI", "TrustedPublisher", "run_foreground"]
