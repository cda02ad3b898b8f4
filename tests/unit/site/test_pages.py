"""The pages read as a site: chapters are linked, not named in italics; chapters have sections."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT

# Each chapter by its notebook's number and the names pages use for it. A chapter whose notebook
# exists must be linked wherever a page names it.
CHAPTERS = {
    "00": ["quickstart"],
    "01": ["Nexus setup"],
    "02": ["packaging and publishing"],
    "03": ["micromamba provisioning"],
    "04": ["image guidelines"],
    "05": ["quality gates"],
    "06": ["the pipeline"],
}
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def markdown_cells(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def pages():
    yield from ((n, "\n".join(markdown_cells(n))) for n in NOTEBOOKS)
    for page in [ROOT / "index.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        yield page, page.read_text(encoding="utf-8")


def test_existing_chapters_are_links_not_italic_names():
    existing = {n.name[:2] for n in NOTEBOOKS}
    names = [name for number, names in CHAPTERS.items() if number in existing for name in names]
    italic = re.compile(r"\*(?:the chapter )?(" + "|".join(map(re.escape, names)) + r")\*", re.I)
    found = [f"{page.relative_to(ROOT)}: *{m.group(1)}*" for page, text in pages()
             for m in italic.finditer(text)]  # fmt: skip
    assert not found, "name a chapter with a link, e.g. [Nexus setup](01_nexus_setup.ipynb)"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_chapter_has_section_headings(notebook):
    headings = [line for cell in markdown_cells(notebook) for line in cell.splitlines()
                if line.startswith("## ")]  # fmt: skip
    assert len(headings) >= 3, f"{notebook.name}: {headings}"
    assert headings[-1] == "## What you have now"
