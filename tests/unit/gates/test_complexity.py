"""The complexity engine reports what radon's CLI reports, from one parse, in linear time.

The reference is radon's real CLI (``python -m radon cc|mi -s -j``), run once per test module on
modules of installed packages (one of them a literal table) and on small synthetic modules.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

pytest.importorskip("radon")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from radon.raw import analyze as radon_raw_analyze  # noqa: E402

from shipyard.errors import InputError  # noqa: E402
from shipyard.gates import _pool  # noqa: E402
from shipyard.gates.radon_engine import raw as _raw  # noqa: E402
from shipyard.gates.radon_engine.complexity import (  # noqa: E402
    ModuleMetrics,
    analyze_file,
    analyze_paths,
    analyze_source,
)

# Installed modules radon's CLI handles in a few seconds. The first is a literal table, one
# 550-line statement for which ``radon mi`` tokenizes 150,000 lines; the others hold every kind
# of block.
REAL_MODULES = {
    "literal-table": ("pygments", "lexers/_css_builtins.py"),
    "pygments-python-lexer": ("pygments", "lexers/python.py"),
    "click-core": ("click", "core.py"),
    "rich-console": ("rich", "console.py"),
    "docutils-nodes": ("docutils", "nodes.py"),
}

SYNTHETIC = {
    "branches": '''\
        """Every construct that adds to a function's complexity."""


        def decide(a, b, items):
            if a and b or not a:
                x = 1
            elif a > b:
                x = 2 if b else 3
            else:
                x = [i for i in items if i if i > 1]
            for item in items:
                assert item, "empty"
            else:
                x += 1
            while x > 10:
                x -= {k: v for k, v in items if v}.get(x, 1)
            try:
                x = 1 / x
            except ZeroDivisionError:
                x = 0
            except (TypeError, ValueError):
                x = -1
            else:
                x += 1
            finally:
                items.clear()
            with open("f") as handle:
                x = handle and x
            return x
    ''',
    "nesting": '''\
        import functools


        def outer(values):
            """A closure is counted in no block: neither its own nor the outer function's."""

            def inner(value):
                if value:
                    return value
                return None

            key = lambda v: v if v else 0  # noqa: E731
            return sorted(map(inner, values), key=key)


        class Plain:
            pass


        class Shapes:
            """Methods, a nested class, decorators and class-level code."""

            if True:
                side = 1

            class Inner:
                def area(self):
                    return 0 if self else 1

            @property
            def size(self):
                return self.side

            @staticmethod
            @functools.lru_cache
            def unit(a=lambda x: x or 1):
                for i in range(3):
                    if i:
                        break
                return a
    ''',
    "match": """\
        def kind(command):
            match command:
                case ["go", direction] if direction:
                    return direction
                case {"x": x}:
                    return x
                case str() | bytes():
                    return "text"
                case _:
                    return None


        def only_default(value):
            match value:
                case _:
                    return value
    """,
    "async": """\
        import asyncio


        async def fetch(urls, session):
            async with session:
                async for url in urls:
                    if url:
                        await asyncio.sleep(0)
                else:
                    pass
            return [u async for u in urls if u]
    """,
    "layout": '''\
        """Docstring
        over three
        lines."""
        # A comment line.
        import os; import sys
        if os: x = 1
        if sys: pass; y = {1: 2}; z = [0][0:]
        total = 1 + \\
            2

        # The blank line above ends the continuation.
        value = (  # a comment inside brackets
            1,

            2,
        )
        text = """a multi-line
        string that is a value"""
        joined = "a" "b" f"{x}"
        if (n := len(text)) > 1:
            z = n
        lambda: 0
        def f(a, b=2, *args, **kw) -> int: return a
        class K: pass
        items = {
            "a": 1,  # table rows
            "b": [1, 2],
        }
        last = 1  # no final newline''',
    "empty": "",
    "comments-only": "# one\n# two\n\n",
    "combining-accent": "cafe\u0301 = 1\n\n\ndef f(x):\n    return x or cafe\u0301\n",
    "syntax-error": "def f(:\n    pass\n",
}
CRLF = "def f(a):\r\n    if a:\r\n        return 1\r\n    return 2\r\n\r\n# end\r\n"
OLD_MAC = 'x = 1\r"""doc\rstring"""\rdef g():\r    return x and 2\r'


def _real_module(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


def _radon(command: str, paths: list[Path], cwd: Path, *options: str) -> dict:
    """Run radon's CLI with its defaults: no config file from the cwd or the home directory."""
    env = {k: v for k, v in os.environ.items() if k != "RADONFILESENCODING"}
    env["HOME"] = str(cwd)
    done = subprocess.run(
        [sys.executable, "-m", "radon", command, "-s", "-j", *options, *map(str, paths)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Return {case: (path, radon cc entry, radon mi entry, engine result)}."""
    root = tmp_path_factory.mktemp("cases")
    paths = {}
    for case, source in SYNTHETIC.items():
        paths[case] = root / f"{case}.py"
        paths[case].write_text(textwrap.dedent(source), encoding="utf-8")
    for case, source in {"crlf": CRLF, "old-mac": OLD_MAC}.items():
        paths[case] = root / f"{case}.py"
        paths[case].write_bytes(source.encode())
    for case, (package, relative) in REAL_MODULES.items():
        if (path := _real_module(package, relative)) is not None:
            paths[case] = path
    files = list(paths.values())
    cc, mi = _radon("cc", files, root), _radon("mi", files, root)
    engine = {module.path: module for module in analyze_paths(files, jobs=1)}
    return {case: (p, cc.get(str(p), []), mi[str(p)], engine[p]) for case, p in paths.items()}


def _radon_blocks(entry: list[dict]) -> list[tuple]:
    fields = ("type", "name", "classname", "lineno", "endline", "col_offset", "complexity", "rank")
    return [tuple(block.get(field) for field in fields) for block in entry]


def _engine_blocks(module: ModuleMetrics) -> list[tuple]:
    return [
        (b.kind, b.name, b.classname, b.lineno, b.endline, b.col_offset, b.complexity, b.rank)
        for b in module.blocks
    ]


CASES = [*SYNTHETIC, "crlf", "old-mac", *REAL_MODULES]


@pytest.mark.parametrize("case", CASES)
def test_maintainability_index_equals_radon_mi(reference, case):
    if case not in reference:
        pytest.skip(f"{REAL_MODULES[case][0]} is not installed")
    _, _, radon_mi, module = reference[case]
    if "error" in radon_mi:
        assert module.mi is None and module.mi_rank is None and module.error is not None
    else:
        assert (module.mi, module.mi_rank) == (radon_mi["mi"], radon_mi["rank"])


@pytest.mark.parametrize("case", CASES)
def test_blocks_equal_radon_cc(reference, case):
    if case not in reference:
        pytest.skip(f"{REAL_MODULES[case][0]} is not installed")
    _, radon_cc, _, module = reference[case]
    if isinstance(radon_cc, dict):  # radon could not parse the module
        assert "error" in radon_cc and module.total_complexity is None and not module.blocks
    else:
        assert _engine_blocks(module) == _radon_blocks(radon_cc)


def test_synthetic_cases_exercise_what_they_claim(reference):
    blocks = {b.fullname: b for b in reference["nesting"][3].blocks}
    assert "inner" not in blocks and "outer.inner" not in blocks  # closures are not listed
    assert blocks["Shapes.unit"].kind == "method" and blocks["Shapes"].kind == "class"
    assert blocks["Plain"].complexity == 1
    assert [b.complexity for b in reference["match"][3].blocks] == [4, 1]
    table = reference.get("literal-table")
    if table is not None:
        source = table[0].read_text(encoding="utf-8")
        assert max(n.end_lineno - n.lineno for n in _statements(source)) > 500


def _statements(source: str):
    return [node for node in ast.parse(source).body if isinstance(node, ast.stmt)]


def test_blocks_come_most_complex_first_as_radon_orders_them():
    module = analyze_source("def a():\n    pass\n\n\ndef b(x):\n    return x or 1\n")
    assert [(b.name, b.complexity, b.rank) for b in module.blocks] == [("b", 2, "A"), ("a", 1, "A")]
    assert module.average_complexity == 1.5
    assert module.total_complexity == 2


# Bad input -------------------------------------------------------------------------------------


def test_syntax_error_names_file_line_and_column(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("x = 1\ndef f(:\n    pass\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        analyze_file(path)
    assert (info.value.path, info.value.line, info.value.column) == (path, 2, 7)
    assert str(info.value).startswith(f"{path}:2:7: not valid Python: invalid syntax")
    assert "exclude" in info.value.hint


def test_binary_file_is_reported_with_the_undecodable_byte(tmp_path):
    path = tmp_path / "blob.py"
    path.write_bytes(b"x = 1\n\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError, match=r"not utf-8 text: byte 0x89") as info:
        analyze_file(path)
    assert (info.value.line, info.value.column) == (2, 1)


def test_null_bytes_are_not_python(tmp_path):
    path = tmp_path / "nul.py"
    path.write_bytes(b"x = 1\x00\n")
    with pytest.raises(InputError, match="not valid Python"):
        analyze_file(path)


def test_empty_file_is_perfectly_maintainable_as_in_radon(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("", encoding="utf-8")
    module = analyze_file(path)
    assert (module.mi, module.mi_rank, module.blocks, module.error) == (100.0, "A", (), None)


def test_module_radon_cannot_tokenize_keeps_its_blocks():
    module = analyze_source(textwrap.dedent(SYNTHETIC["combining-accent"]), "accent.py")
    assert module.mi is None and [b.name for b in module.blocks] == ["f"]
    assert module.error is not None and module.error.line == 1
    assert "radon mi reports the same error" in module.error.message


def test_analyze_paths_records_bad_files_and_goes_on(tmp_path):
    (tmp_path / "a_bad.py").write_text("def (\n", encoding="utf-8")
    (tmp_path / "b_blob.py").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "c_good.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    bad, blob, good = analyze_paths([tmp_path], jobs=1)
    assert bad.error is not None and bad.error.line == 1 and bad.mi is None
    assert bad.total_complexity is None and not bad.blocks
    assert blob.error is not None and "not utf-8 text" in blob.error.message
    assert good.error is None and good.mi_rank == "A" and good.blocks[0].name == "f"


def test_missing_path_is_an_error_not_an_empty_pass(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        analyze_paths([tmp_path / "typo"])


# Which files, in which order ---------------------------------------------------------------------

TREE = {
    "pkg/__init__.py": "",
    "pkg/zeta.py": "z = 1\n",
    "pkg/alpha.py": "a = 1\n",
    "pkg/sub/test_mod.py": "t = 1\n",
    "pkg/sub/mod.py": "m = 1\n",
    "pkg/build/gen.py": "g = 1\n",
    "pkg/.hidden/secret.py": "s = 1\n",
    "pkg/.dotfile.py": "d = 1\n",
    "pkg/script": "#!/usr/bin/env python3\nprint(1)\n",
    "pkg/shell": "#!/bin/sh\necho 1\n",
    "pkg/notes.txt": "not python\n",
    "pkg/book.ipynb": "{}",
}


@pytest.fixture
def tree(tmp_path):
    for name, text in TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_files_are_radons_in_sorted_order(tree):
    found = [m.path.relative_to(tree).as_posix() for m in analyze_paths([tree / "pkg"], jobs=1)]
    assert found == [
        "pkg/__init__.py",
        "pkg/alpha.py",
        "pkg/script",
        "pkg/zeta.py",
        "pkg/build/gen.py",
        "pkg/sub/mod.py",
        "pkg/sub/test_mod.py",
    ]
    assert set(_radon("mi", [tree / "pkg"], tree)) == {str(tree / name) for name in found}


def test_exclude_and_ignore_work_as_radons(tree):
    # Radon matches exclude patterns against the whole path, where "*" also matches "/".
    found = analyze_paths([tree / "pkg"], exclude=["*/sub/test_*"], ignore=["build"], jobs=1)
    names = [m.path.relative_to(tree).as_posix() for m in found]
    assert names == [
        "pkg/__init__.py",
        "pkg/alpha.py",
        "pkg/script",
        "pkg/zeta.py",
        "pkg/sub/mod.py",
    ]
    radon = _radon("mi", [tree / "pkg"], tree, "--exclude", "*/sub/test_*", "--ignore", "build")
    assert set(radon) == {str(tree / name) for name in names}


def test_a_file_named_explicitly_is_taken_once(tree):
    hidden = tree / "pkg/.dotfile.py"
    found = analyze_paths([hidden, tree / "pkg/alpha.py", hidden], jobs=1)
    assert [m.path.name for m in found] == [".dotfile.py", "alpha.py"]


# Processes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("other_thread", [False, True], ids=["fork", "fork-server"])
def test_processes_give_the_same_results_in_the_same_order(tmp_path, monkeypatch, other_thread):
    for index in range(12):
        body = "".join(f"def f{i}(x):\n    return x and {i} or -x\n\n\n" for i in range(index))
        (tmp_path / f"m{index:02}.py").write_text(body or "x = 1\n", encoding="utf-8")
    (tmp_path / "m99.py").write_text("def (\n", encoding="utf-8")
    in_process = analyze_paths([tmp_path], jobs=1)
    monkeypatch.setattr(_pool, "_IN_PROCESS_BYTES", 0)  # small files go to the pool too
    # With another thread running, workers come from a fork server instead of plain forks.
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait)
    if other_thread:
        waiter.start()
    try:
        pooled = analyze_paths([tmp_path], jobs=2)
    finally:
        stop.set()
        if other_thread:
            waiter.join()
    assert pooled == in_process
    assert [str(m.error) for m in pooled] == [str(m.error) for m in in_process]
    assert pooled[-1].error is not None and pooled[-1].error.line == 1


def test_batches_send_big_files_first_and_every_file_once():
    sizes = [10, 5_000, 20, 3_000, 1, 1, 400]
    batches = _pool._batches(sizes, jobs=2)
    assert batches[0][0] == 1 and sorted(i for b in batches for i in b) == list(range(7))


def test_jobs_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="jobs must be 1 or more, not 0"):
        analyze_paths([tmp_path], jobs=0)


# Raw metrics: radon's numbers in linear time ---------------------------------------------------

# Lines that exercise each way radon groups and counts lines: continuations, brackets across lines,
# strings across lines, comments, one-liners, semicolons, colons that are not block colons, lines
# radon's tokenizer rejects, characters str.splitlines() breaks lines on, unmatched brackets.
LINES = [
    "", "x = 1", "x = 1 \\", "\\", "# c", "if x:", "if x: y", "else: pass; z = 1", "a; b", "a;",
    "x = (", ")", "1,", "]", "y = [", '"""', '"""doc"""', "'''", 's = """a', 'b"""', '"a" \\',
    "'abc\\", "def'", "f(a,", "b)", "lambda: 0", "d = {1: 2}", "x[1:2]", "x = 1  # c", '"x"', "#",
    ";", ":", "cafe\u0301 = 1", "$", '"unterminated', "x:int", "{a:=1}", "x[::2]", "a!=b", "!",
    "'a\x0cb'", "'a\u2028b'", '"""a\x0cb"""', '#"""', "x = \u00b2", "a\u00a0b", ")(", "else:",
    "def f(x):", "return x", "f(x)[0]", "print(x) # c: d", "for i in x: pass;",
]  # fmt: skip


def _same_as_radon(source: str) -> None:
    def outcome(analyze):
        try:
            return analyze(source)
        except SyntaxError as exc:
            return str(exc)

    assert outcome(_raw.analyze) == outcome(radon_raw_analyze)


@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(st.lists(st.sampled_from(LINES), max_size=8), st.sampled_from(["", "\n", "\n\n"]))
def test_raw_metrics_equal_radons_on_any_mix_of_lines(lines, end):
    _same_as_radon("\n".join(lines) + end)


@pytest.mark.parametrize(
    "source",
    [
        # A continuation ended by an empty line: the comment after it is in radon's group
        # (found in mpmath/tests/test_hp.py).
        'v = \\\n"a"\\\n"b"\\\n\n# comment\nw = 1\n',
        "x = 1 \\\n# a comment on the last line",
        "x = 1 \\\n\n\n",
        'x = """a\n#"""',
        "s = 'a\x0cb'\nt = 1\n",
        "\ufeffx = 1\n",
        "x = [1,\n2]]\ny = 3\n",
        "if a: b; c = {1: 2}; d\n",
    ],
    ids=[
        "continuation-blank-comment",
        "continuation-comment-eof",
        "continuation-blanks-eof",
        "string-closed-by-comment-line",
        "form-feed-in-string",
        "bom",
        "unmatched-bracket",
        "semicolons-and-colons",
    ],
)
def test_raw_metrics_equal_radons_on_edge_cases(source):
    _same_as_radon(source)


def test_raw_metrics_are_linear_in_a_statements_length(monkeypatch):
    # Counted, not timed: the tokenizer reads each line of a 4,000-line statement about once
    # (radon's own analysis re-reads the growing buffer: ~8 million line reads, minutes).
    import tokenize

    reads = []
    generate = tokenize.generate_tokens

    def counting(readline):
        def counted():
            reads.append(1)
            return readline()

        return generate(counted)

    monkeypatch.setattr(tokenize, "generate_tokens", counting)
    rows = "".join(f'    "key{i}": ("value", {i}, [1, 2, 3]),\n' for i in range(4000))
    raw = _raw.analyze(f"TABLE = {{\n{rows}}}\n")
    assert (raw.loc, raw.sloc, raw.lloc) == (4002, 4002, 2)
    assert len(reads) < 2 * 4002
