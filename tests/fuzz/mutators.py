"""Mutations of real files: the hostile inputs a reader must survive.

Each mutator takes the file's bytes and a :class:`random.Random` and returns new bytes. Some are
blind (byte flips, truncation), some know the kind of file (nesting in TOML or YAML, YAML tags and
aliases, thousands of Dockerfile stages), as the issue that asked for this harness listed them.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Mutator = Callable[[bytes, random.Random, str], bytes]

_YAML_KINDS = ("environment", "gitlab-ci")
_INI_KINDS = ("pip", "pypirc")


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _insert_line(data: bytes, rnd: random.Random, line: bytes) -> bytes:
    lines = _lines(data)
    lines.insert(rnd.randrange(len(lines) + 1), line)
    return b"\n".join(lines)


def byte_flip(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Flip a few bits."""
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        out[rnd.randrange(len(out))] ^= 1 << rnd.randrange(8)
    return bytes(out)


def truncate(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Cut the file anywhere, in the middle of a token or a multi-byte character."""
    return data[: rnd.randrange(len(data) + 1)]


def splice(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Copy a random span of the file to another place (duplicated keys, stray brackets)."""
    if len(data) < 2:
        return data
    start = rnd.randrange(len(data))
    span = data[start : start + rnd.randint(1, 200)]
    at = rnd.randrange(len(data))
    return data[:at] + span + data[at:]


def delete_span(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Delete a random span."""
    if not data:
        return data
    start = rnd.randrange(len(data))
    return data[:start] + data[start + rnd.randint(1, 100) :]


def repeat_line(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Repeat one line many times: duplicated keys, thousands of RUNs or channels."""
    lines = _lines(data)
    index = rnd.randrange(len(lines))
    count = rnd.choice((2, 10, 100, 1000, 3000))
    lines[index : index + 1] = [lines[index]] * count
    return b"\n".join(lines)


def long_line(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Add a line of tens of KiB of one character, or append it to a line."""
    char = rnd.choice((b" ", b"a", b"-", b'"', b"\\", b"=", b"[", b"{", b"$", b":", b"#", b"\t"))
    run = char * rnd.choice((1000, 30_000, 100_000))
    if rnd.random() < 0.5:
        return _insert_line(data, rnd, b"a" + run + b"b")
    lines = _lines(data)
    index = rnd.randrange(len(lines))
    lines[index] += run
    return b"\n".join(lines)


def deep_nesting(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Nest a value hundreds or thousands of levels deep, in the kind's own syntax."""
    depth = rnd.choice((50, 65, 300, 1000, 5000))
    if kind == "pyproject":
        opener, closer = rnd.choice(((b"[", b"]"), (b"{a=", b"}")))
        return data + b"\nnested = " + opener * depth + b"1" + closer * depth + b"\n"
    if kind in _YAML_KINDS:
        shape = rnd.randrange(3)
        if shape == 0:
            return data + b"\nnested:\n" + b"- " * depth + b"x\n"
        if shape == 1:
            return data + b"\nnested: " + b"{a: " * depth + b"1" + b"}" * depth + b"\n"
        return data + b"\nnested: " + b"[" * depth + b"]" * depth + b"\n"
    if kind == "dockerfile":
        return data + b"\nRUN " + b"$(" * depth + b"echo" + b")" * depth + b"\n"
    return _insert_line(data, rnd, b"[" * depth + b"global" + b"]" * depth)


def huge_number(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Write a number of thousands of digits (decimal or hex) where a value goes."""
    digits = rnd.choice((25, 4301, 5000, 20_000))
    number = rnd.choice((b"9" * digits, b"0x" + b"f" * digits, b"1" + b"0" * digits + b".5"))
    if kind == "pyproject":
        return data + b"\n[tool.fuzz]\nnumber = " + number + b"\n"
    if kind in _YAML_KINDS:
        return data + b"\nnumber: " + number + b"\nlist: [" + number + b"]\n"
    if kind == "dockerfile":
        line = rnd.choice((b"COPY --from=" + number + b" /a /b", b"EXPOSE " + number,
                           b"FROM " + number, b"USER " + number))  # fmt: skip
        return data + b"\n" + line + b"\n"
    return _insert_line(data, rnd, b"timeout = " + number)


_YAML_SPECIALS = (
    b"%YAML 2.0\n---\n",
    b"%TAG ! tag:example.com,2000:\n---\n",
    b"--- !!set a\n",
    b'x: !!float "x"\n',
    b"x: !!int\n",
    b'x: !!int "12a"\n',
    b'x: !!binary "%%%"\n',
    b'x: !!timestamp "yesterday"\n',
    b"x: !!python/object:os.system [ls]\n",
    b"x: !!omap [a, b]\n",
    b"x: !custom {a: 1}\n",
    b"x: &r [*r]\n",
    b"x: *undefined\n",
    b"x: 1979-05-27\n",
    b"? [a, b]\n: complex key\n",
    b"<<: 1\n",
    b"dependencies: !!str\n",
    b"name: ~\nname: twice\n",
)


def yaml_specials(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Add YAML tags, directives, anchors and aliases ruamel.yaml stumbles on."""
    special = rnd.choice(_YAML_SPECIALS)
    if special.startswith((b"%", b"---")):
        return special + data
    return data + b"\n" + special


def alias_bomb(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Add a "billion laughs": each anchor refers to the previous one ten times."""
    levels = rnd.choice((3, 6, 9))
    lines = [b"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels + 1):
        ref = b"*a%d" % (level - 1)
        lines.append(b"a%d: &a%d [" % (level, level) + b", ".join([ref] * 10) + b"]")
    target = rnd.choice((b"dependencies", b"channels", b"variables", b"script", b"bomb"))
    lines.append(target + b": *a%d" % levels)
    return data + b"\n" + b"\n".join(lines) + b"\n"


def toml_specials(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Add TOML values of unusual types where strings are expected."""
    line = rnd.choice((
        b"name = 1979-05-27", b"version = 07:32:00", b"name = 1979-05-27T07:32:00Z",
        b"[tool.shipyard]\nselect = [1, 2]", b"[tool.shipyard]\nseverity = {PKG006 = 3}",
        b"[tool.shipyard]\nmax-file-size = {dockerfile = -1}", b"[tool.shipyard]\nignore = [[]]",
        b"[project]\nname = {a = 1}", b"[project]\ndependencies = [1, 2.5, true]",
        b"[tool.uv]\nindex = [1, {url = 2}]", b"[[tool.poetry.source]]\nurl = 1979-05-27",
        b"inf = inf\nnan = -nan", b'"\\ud800" = 1', b"[tool]\nshipyard = 1",
    ))  # fmt: skip
    return _insert_line(data, rnd, line)


def dockerfile_specials(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Add what stressed the Dockerfile readers: many stages, open heredocs, odd flags."""
    choice = rnd.randrange(7)
    if choice == 0:
        count = rnd.choice((100, 2000, 10_000))
        stages = b"".join(b"FROM python:3.12 AS s%d\nRUN echo %d\n" % (i, i) for i in range(count))
        return data + b"\n" + stages
    if choice == 1:
        body = b"echo 'unterminated\n" + b"apt-get install -y foo\n" * rnd.choice((10, 500, 3000))
        return data + b"\nRUN <<EOF\n" + body + b"EOF\n"
    if choice == 2:
        return data + b"\nCOPY --from=\xc2\xb2 /a /b\nRUN --mount=type=bind,from=\xc2\xb2 ls\n"
    if choice == 3:
        args = b"".join(b"ARG A%d=x\n" % i for i in range(rnd.choice((50, 2000))))
        return args + data + b"\n" + b"RUN echo $A1\n" * rnd.choice((10, 100))
    if choice == 4:
        return b"# escape=`\n" + data
    if choice == 5:
        return data + b"\nONBUILD RUN echo hi\nONBUILD ONBUILD RUN x\nHEALTHCHECK NONE\n"
    return data + b"\nFROM scratch AS " + b"x" * 5000 + b"\nFROM " + b"x" * 5000 + b"\n"


def encoding(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Insert a NUL, a BOM, CR line ends, invalid UTF-8 or unusual digits."""
    piece = rnd.choice((b"\x00", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\xed\xa0\x80", b"\xff\xfe",
                        b"\xc2\xb2", b"\xe2\x80\xae", b"\xf0\x9f\x90\x8d"))  # fmt: skip
    at = rnd.randrange(len(data) + 1)
    if piece in (b"\xef\xbb\xbf", b"\xff\xfe") and rnd.random() < 0.5:
        at = 0
    return data[:at] + piece + data[at:]


def swap_lines(data: bytes, rnd: random.Random, kind: str) -> bytes:
    """Swap two lines (a key outside its section, a RUN before FROM)."""
    lines = _lines(data)
    i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


COMMON: tuple[Mutator, ...] = (byte_flip, truncate, splice, delete_span, repeat_line, long_line,
                               deep_nesting, huge_number, encoding, swap_lines)  # fmt: skip
BY_KIND: dict[str, tuple[Mutator, ...]] = {
    "pyproject": (*COMMON, toml_specials, toml_specials),
    "environment": (*COMMON, yaml_specials, yaml_specials, alias_bomb),
    "gitlab-ci": (*COMMON, yaml_specials, yaml_specials, alias_bomb),
    "dockerfile": (*COMMON, dockerfile_specials, dockerfile_specials, dockerfile_specials),
    "pip": COMMON,
    "pypirc": COMMON,
}
