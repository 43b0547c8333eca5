"""The lecture notebooks: how they are committed (fast) and that they run cleanly (slow).

Static checks read notebooks/NN_*.ipynb (and NNx_*.ipynb, a lecture in
parts) as committed. The slow test executes each one in a fresh kernel (see
notebook_runner.py) and fails on an error, on anything written to stderr, or
on any output text containing "Warning".
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from notebook_runner import (
    NOTEBOOK_DIR,
    LectureFailed,
    executed,
    lecture_notebooks,
    output_problems,
    strip_ansi,
)

NOTEBOOKS = lecture_notebooks()
IDS = [path.stem for path in NOTEBOOKS]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")
ASSIGNMENT_LINK = re.compile(r"\.\./assignments/([0-9][0-9]_[A-Za-z0-9_]+)/([0-9][0-9]_[A-Za-z0-9_]+)\.ipynb")
WHATS_NEXT = re.compile(r"^#+\s*what[’']s next", re.IGNORECASE | re.MULTILINE)
#: a lecture's number, and its part's letter if it comes in parts (04a_softmax, 04b_cross_entropy)
LECTURE_NUMBER = re.compile(r"([0-9][0-9])([a-z]?)_")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_sources(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def markdown_sources(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def test_lecture_notebooks_exist():
    assert NOTEBOOKS, f"no lecture notebooks match {NOTEBOOK_DIR}/NN_*.ipynb"


def test_numbering_is_contiguous():
    parts: dict[int, list[str]] = {}
    for path in NOTEBOOKS:
        number, letter = LECTURE_NUMBER.match(path.name).groups()
        parts.setdefault(int(number), []).append(letter)
    numbers = sorted(parts)
    assert numbers == list(range(1, len(numbers) + 1)), (
        f"lecture numbers must run 01..{len(numbers):02d} without gaps, got {[f'{n:02d}' for n in numbers]}"
    )
    for number, letters in parts.items():
        if letters == [""]:
            continue  # a lecture in one notebook
        # a lecture in parts is NNa, NNb, ...: at least two, no gap, and no unlettered NN beside them
        expected = [chr(ord("a") + k) for k in range(len(letters))]
        assert sorted(letters) == expected and len(letters) >= 2, (
            f"lecture {number:02d} in parts must be {number:02d}a, {number:02d}b, ... with no gap and no "
            f"unlettered {number:02d}, got {[f'{number:02d}{letter}' for letter in sorted(letters)]}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_valid_and_committed_without_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    dirty = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"cells {dirty} hold outputs or an execution count: clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_starts_with_a_title(path):
    first = read(path).cells[0]
    assert first.cell_type == "markdown", "the first cell must be markdown with the lecture's title"
    assert re.match(r"#\s+\S", first.source.lstrip()), (
        f"the first cell must start with a '# title', got {first.source[:60]!r}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_ends_with_glossary_and_whats_next(path):
    last = [cell.source for cell in read(path).cells[-4:] if cell.cell_type == "markdown"]
    glossary = [
        source for source in last
        if re.search(r"^\s*\|.*\|\s*$", source, re.MULTILINE)
        and re.search(r"^\s*\|[\s:|-]+\|\s*$", source, re.MULTILINE)  # the header rule |---|---|
        and CHINESE.search(source)
    ]
    assert glossary, "one of the last cells must be a glossary: a markdown table English | 中文"
    assert any(WHATS_NEXT.search(source) for source in last[-2:]), (
        "one of the last two cells must be a \"What's next\" section (a heading)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_sys_path_manipulation(path):
    offending = [source.splitlines()[0] for source in code_sources(read(path)) if "sys.path" in source]
    assert not offending, f"notebooks import the installed losslab, never via sys.path: {offending}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_imports_losslab(path):
    sources = "\n".join(code_sources(read(path)))
    assert re.search(r"^\s*(import losslab|from losslab[\s.])", sources, re.MULTILINE), (
        "the lecture must import losslab"
    )


def relative_links(nb) -> list[str]:
    links = []
    for source in markdown_sources(nb):
        links += MARKDOWN_LINK.findall(source) + HTML_LINK.findall(source)
    return [
        link for link in links
        if not re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE) and not link.startswith(("#", "/"))
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_links_to_notebooks_resolve(path):
    broken = []
    for link in relative_links(read(path)):
        target = link.split("#")[0].split("?")[0]
        if not target.endswith(".ipynb"):
            continue
        if target.startswith("../assignments/"):
            # assignments are generated from solutions/ by another step: accept this
            # lecture's own assignment by number (both parts of 04 have assignment 04),
            # and any other one only once it exists
            match = ASSIGNMENT_LINK.fullmatch(target)
            if match is None or match.group(1) != match.group(2):
                broken.append(f"{link} (want ../assignments/NN_name/NN_name.ipynb)")
            elif match.group(1)[:2] != path.stem[:2] and not (path.parent / target).exists():
                broken.append(f"{link} (another lecture's assignment, and it does not exist)")
        elif not (path.parent / target).resolve().is_file():
            broken.append(f"{link} (no such file)")
    assert not broken, "broken links:\n" + "\n".join(broken)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_cleanly(path):
    try:
        nb, _ = executed(path)
    except LectureFailed as exc:
        pytest.fail(f"{path.name} failed:\n{strip_ansi(str(exc))}", pytrace=False)
    problems = output_problems(nb)
    assert not problems, f"{path.name}:\n\n" + "\n\n".join(problems)
