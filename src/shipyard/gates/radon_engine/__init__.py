"""A radon-compatible engine: cyclomatic complexity, maintainability index and raw metrics.

:mod:`~shipyard.gates.radon_engine.complexity` computes what ``radon cc`` and ``radon mi`` print,
reading and parsing each file once; :mod:`~shipyard.gates.radon_engine.raw` counts lines as
``radon raw`` does, in linear time.
"""

__all__: list[str] = []
