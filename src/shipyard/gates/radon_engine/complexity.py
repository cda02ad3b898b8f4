"""Cyclomatic complexity and maintainability index of Python modules, exactly as radon's CLI.

``radon cc`` and ``radon mi`` give the grades a gate's thresholds are written against, but run
them on a large tree and they take minutes: each command reads and parses every file again, and
``radon mi`` spends almost all of its time re-tokenizing long statements, quadratically (see
:mod:`shipyard.gates.radon_engine.raw`). This engine reads and parses each file once and
computes both from that parse, with radon's own code wherever radon's code is linear:

* the blocks and their complexity: :class:`radon.visitors.ComplexityVisitor`, options as the
  CLI's defaults (``assert`` counted, closures not listed), ordered as the CLI orders them;
* the maintainability index: the same visitor's module total, radon's Halstead visitor, and
  radon's raw metrics (multi-line strings counted as comments, as ``radon mi`` does by default)
  from :func:`shipyard.gates.radon_engine.raw.analyze`, a linear replacement for the quadratic
  one, then
  radon's :func:`~radon.metrics.mi_compute` and :func:`~radon.metrics.mi_rank`;

and spreads files over processes (:mod:`shipyard.gates._pool`). Scores are the floats
``radon mi -s -j`` prints, ranks the letters both commands print. ``benchmarks/bench_radon.py``
times both sides on installed packages and checks that every grade and score agrees.

Files that cannot be measured do not abort :func:`analyze_paths`: their result carries an
:class:`~shipyard.errors.InputError` in ``error``, so a gate reports every problem in one run.
"""

from __future__ import annotations

import ast
import dataclasses
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, NamedTuple

from radon.complexity import cc_rank, sorted_results
from radon.metrics import halstead_visitor_report, mi_compute, mi_rank
from radon.visitors import Class, ComplexityVisitor, Function, HalsteadVisitor

from shipyard.errors import InputError
from shipyard.gates._files import iter_python_files
from shipyard.gates.radon_engine import raw as _raw

__all__ = [
    "BlockMetrics",
    "ModuleMetrics",
    "analyze_file",
    "analyze_paths",
    "analyze_source",
]

BlockKind = Literal["function", "method", "class"]

# Radon's CLI reads files in this encoding (``RADONFILESENCODING``, UTF-8 unless set).
_ENCODING_VARIABLE = "RADONFILESENCODING"
_SYNTAX_HINT = (
    "radon cannot analyse it either: fix the syntax (the file must compile under the Python "
    "that runs the gate) or exclude the file."
)


@dataclasses.dataclass(frozen=True)
class BlockMetrics:
    """The cyclomatic complexity of one function, method or class, as ``radon cc -j`` shows it.

    Attributes:
        name: The function's, method's or class's own name.
        kind: ``"function"``, ``"method"`` or ``"class"``.
        lineno: The line of the ``def`` or ``class`` keyword (decorators come before it).
        endline: Radon's end line: the last line it saw in the block's last statement.
        col_offset: The column of the ``def`` or ``class`` keyword, 0-based.
        complexity: Radon's complexity; for a class, radon's average over its methods.
        rank: Radon's letter, ``A`` (1-5) to ``F`` (41 and more).
        classname: The class a method belongs to; ``None`` for functions and classes.
    """

    name: str
    kind: BlockKind
    lineno: int
    endline: int
    col_offset: int
    complexity: int
    rank: str
    classname: str | None = None

    @property
    def fullname(self) -> str:
        """``Class.method`` for a method, the name otherwise, as radon's terminal output."""
        return f"{self.classname}.{self.name}" if self.classname else self.name


@dataclasses.dataclass(frozen=True)
class ModuleMetrics:
    """What radon's CLI reports for one module.

    Attributes:
        path: The file, as found (see :func:`analyze_paths`).
        mi: The maintainability index ``radon mi -s`` shows, 0 to 100; ``None`` when it could
            not be computed (see ``error``).
        mi_rank: ``A`` (more than 19), ``B`` (10 to 19) or ``C`` (9 or less); ``None`` with ``mi``.
        blocks: The functions, classes and methods, most complex first, in the order of
            ``radon cc -j``. As by radon's default, closures and nested classes are not listed,
            and a closure's complexity is not added to its function's.
        total_complexity: The module's complexity as radon's MI formula uses it; ``None`` when the
            module could not be parsed (``radon cc`` reports an error for it too).
        error: Why the module, or only its maintainability index, could not be measured.
    """

    path: Path
    mi: float | None
    mi_rank: str | None
    blocks: tuple[BlockMetrics, ...] = ()
    total_complexity: int | None = None
    error: InputError | None = dataclasses.field(default=None, compare=False)

    @property
    def average_complexity(self) -> float:
        """The blocks' mean complexity, 0.0 without blocks (radon's ``average_complexity``)."""
        if not self.blocks:
            return 0.0
        return sum((block.complexity for block in self.blocks), 0.0) / len(self.blocks)


class _Problem(NamedTuple):
    """Why a file could not be measured, in a form a worker process can send back."""

    message: str
    line: int | None = None
    column: int | None = None
    hint: str = ""

    def error(self, path: Path) -> InputError:
        return InputError(
            self.message, path=path, line=self.line, column=self.column, hint=self.hint
        )


def analyze_source(source: str, path: str | os.PathLike[str] = "<string>") -> ModuleMetrics:
    r"""Measure a module's text.

    Args:
        source: The module's text, newlines already translated to ``\n``.
        path: Where the text comes from, for the result and for error messages.

    Returns:
        The module's metrics. When the text parses but radon's tokenizer cannot read it (radon's
        ``mi`` fails on it too), ``mi`` is ``None`` and ``error`` says why.

    Raises:
        InputError: The text is not valid Python.
    """
    return _raise_fatal(_attach(Path(path), *_measure_source(source, Path(path))))


def analyze_file(path: str | os.PathLike[str]) -> ModuleMetrics:
    """Read and measure one file, reading it as radon's CLI does.

    Args:
        path: A Python file.

    Returns:
        The module's metrics; as :func:`analyze_source`, ``error`` is set when only the
        maintainability index could not be computed.

    Raises:
        InputError: The file cannot be read, is not text in radon's encoding, or is not valid
            Python.
    """
    return _raise_fatal(_attach(Path(path), *_measure_file(Path(path))))


def analyze_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    exclude: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[ModuleMetrics]:
    """Measure every Python file under ``paths``, as ``radon cc`` and ``radon mi`` would.

    Args:
        paths: Files and directories. Directories are walked as radon's CLI walks them (see
            :func:`shipyard.gates._files.iter_python_files`).
        jobs: Processes to use; ``None`` for one per available CPU, ``1`` to stay in this
            process. Few or small files are measured in this process whatever ``jobs`` says.
        exclude: Glob patterns on file paths, as radon's ``--exclude``.
        ignore: Glob patterns on directory names, as radon's ``--ignore``.

    Returns:
        One result per file, in the order the files were found, whatever ``jobs`` is. A file
        that cannot be read or parsed does not stop the run: its result has ``error`` set,
        ``mi`` and ``mi_rank`` ``None`` and no blocks.

    Raises:
        InputError: A path does not exist.
    """
    from shipyard.gates._pool import map_files

    files = list(iter_python_files(paths, exclude=exclude, ignore=ignore))
    outcomes = map_files(_measure_file, files, jobs=jobs)
    return [_attach(path, *outcome) for path, outcome in zip(files, outcomes, strict=True)]


def _attach(path: Path, metrics: ModuleMetrics, problem: _Problem | None) -> ModuleMetrics:
    """Return the metrics with the problem, if any, as their ``error``."""
    if problem is None:
        return metrics
    return dataclasses.replace(metrics, error=problem.error(path))


def _raise_fatal(metrics: ModuleMetrics) -> ModuleMetrics:
    """Return the metrics unless nothing could be measured; then raise their error."""
    if metrics.error is not None and metrics.total_complexity is None:
        raise metrics.error
    return metrics


def _measure_file(path: Path) -> tuple[ModuleMetrics, _Problem | None]:
    """Read ``path`` as radon's CLI does and measure it; never raises for a bad file."""
    encoding = os.environ.get(_ENCODING_VARIABLE, "utf-8")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _nothing(path), _Problem(
            f"cannot read the file: {exc.strerror or exc}",
            hint="Check that it exists and is readable, or exclude it.",
        )
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return _nothing(path), _undecodable(data, encoding, exc)
    # Radon opens files in text mode: universal newlines.
    source = text.replace("\r\n", "\n").replace("\r", "\n")
    return _measure_source(source, path)


def _measure_source(source: str, path: Path) -> tuple[ModuleMetrics, _Problem | None]:
    """Measure a module's text; never raises for a bad module."""
    try:
        tree = ast.parse(source)
        visitor = ComplexityVisitor.from_ast(tree)
        volume = halstead_visitor_report(HalsteadVisitor.from_ast(tree)).volume
    except (SyntaxError, ValueError) as exc:
        return _nothing(path), _not_python(exc)
    except RecursionError:
        return _nothing(path), _Problem(
            "the code is nested too deeply to analyse", hint=_SYNTAX_HINT
        )
    blocks = tuple(_block(block) for block in sorted_results(visitor.blocks))
    total = visitor.total_complexity
    try:
        raw = _raw.analyze(source)
    except SyntaxError as exc:
        metrics = ModuleMetrics(path, None, None, blocks, total)
        return metrics, _untokenizable(exc)
    # radon.metrics.mi_parameters with multi=True, the default of ``radon mi``.
    comment_lines = raw.comments + raw.multi
    comments = comment_lines / float(raw.sloc) * 100 if raw.sloc != 0 else 0
    mi = mi_compute(volume, total, raw.lloc, comments)
    return ModuleMetrics(path, mi, mi_rank(mi), blocks, total), None


def _block(block: Function | Class) -> BlockMetrics:
    """Convert one of radon's blocks."""
    if isinstance(block, Function):
        kind: BlockKind = "method" if block.is_method else "function"
        classname = block.classname
    else:
        kind, classname = "class", None
    complexity = block.complexity
    return BlockMetrics(
        name=block.name,
        kind=kind,
        lineno=block.lineno,
        endline=block.endline,
        col_offset=block.col_offset,
        complexity=complexity,
        rank=cc_rank(complexity),
        classname=classname,
    )


def _nothing(path: Path) -> ModuleMetrics:
    return ModuleMetrics(path, None, None)


def _not_python(exc: SyntaxError | ValueError) -> _Problem:
    if isinstance(exc, SyntaxError):
        return _Problem(f"not valid Python: {exc.msg}", exc.lineno, exc.offset, hint=_SYNTAX_HINT)
    return _Problem(f"not valid Python: {exc}", hint=_SYNTAX_HINT)


def _undecodable(data: bytes, encoding: str, exc: UnicodeDecodeError | LookupError) -> _Problem:
    if isinstance(exc, LookupError):
        return _Problem(
            f"unknown encoding {encoding!r} in {_ENCODING_VARIABLE}",
            hint=f"Unset {_ENCODING_VARIABLE} or set it to a codec Python knows.",
        )
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return _Problem(
        f"not {encoding} text: byte 0x{data[exc.start]:02x} cannot be decoded (binary file?)",
        line,
        column,
        hint=f"Radon reads sources as {encoding}: save the file as {encoding}, or exclude it.",
    )


def _untokenizable(exc: SyntaxError) -> _Problem:
    line = getattr(exc, "first_line", None)
    return _Problem(
        "radon's tokenizer cannot read the statement starting here, so the maintainability "
        "index cannot be computed (radon mi reports the same error)",
        line,
        hint="Look for an identifier with a combining accent, or a string holding a character "
        "str.splitlines() treats as a line break (form feed, U+2028, ...); write it with an "
        "escape sequence instead.",
    )
