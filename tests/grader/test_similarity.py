"""Submissions that look copied (losslab_grader.similarity), on strings: no kernel, no nbgrader.

Each assignment covered has a made class in tests/grader/similarity/<name>.py: at least five students who
wrote every solution cell on their own in different styles (INDEPENDENT), and copies (COPIES): one
with every name changed, one with its functions in another order and comments added, one with
half of its functions taken, and one pasted from the course's own code. The copies must score
above every pair of independent solutions, and no pair of independent solutions may be flagged.
The independent solutions are checked against the assignment's own test cells first, so that
"independent correct solutions" is a fact, not a claim.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import html.parser
import importlib.util
import io
import itertools
from pathlib import Path

import nbformat
import numpy as np
import pytest
from losslab_grader import similarity
from losslab_grader.course import Course
from losslab_grader.similarity import (
    DEFAULT_THRESHOLD,
    Pair,
    find_pairs,
    known_sources,
    write_csv,
    write_views,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "similarity"
ASSIGNMENTS = sorted(p.stem for p in DATA.glob("[0-9][0-9]_*.py"))
COURSE = Course(ROOT)


def made_class(name: str):
    """The module tests/grader/similarity/<name>.py (INDEPENDENT, COPIES)."""
    spec = importlib.util.spec_from_file_location(f"similarity_class_{name}", DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def solution_cells(name: str) -> list[str]:
    """The grade ids of the assignment's solution cells, in notebook order."""
    nb = nbformat.read(COURSE.source(name), as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]  # fmt: skip


def release(name: str):
    return nbformat.read(ROOT / "assignments" / name / f"{name}.ipynb", as_version=4)


def template(name: str) -> str:
    """What the grader passes as the template: every code cell of the release."""
    return "\n\n".join(c.source for c in release(name).cells if c.cell_type == "code")


def joined(cells: dict[str, str]) -> str:
    """A student's own code as the grader gives it: their solution cells joined, in their order."""
    return "\n\n".join(cells.values())


def class_code(name: str) -> dict[str, str]:
    """student id -> code for the made class: the independent students, then "copy:<kind>"."""
    m = made_class(name)
    code = {style: joined(cells) for style, cells in m.INDEPENDENT.items()}
    code |= {f"copy:{kind}": joined(copy["cells"]) for kind, copy in m.COPIES.items()}
    return code


_PAIRS: dict[str, list[Pair]] = {}


def all_pairs(name: str) -> list[Pair]:
    """Every pair of the made class with a score above 0 (threshold 0), computed once per assignment."""
    if name not in _PAIRS:
        _PAIRS[name] = find_pairs(class_code(name), template(name),
                                  known_sources(COURSE, name, release(name)), threshold=0.0)  # fmt: skip
    return _PAIRS[name]


def score(pairs: list[Pair], a: str, b: str) -> float:
    """The score of the pair {a, b}; b "course:" means a's pair with the course, whatever its name."""
    for p in pairs:
        if {p.a, p.b} == {a, b} or (b == "course:" and p.a == a and p.b.startswith("course:")):
            return p.score
    return 0.0


# --- the made classes are what they claim ----------------------------------------------------------


def test_there_are_made_classes():
    assert {"02_svm_loss", "04_softmax_cross_entropy", "05_regression_losses"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_made_class_has_five_styles_and_four_copies_of_every_solution_cell(name):
    m = made_class(name)
    cells = set(solution_cells(name))
    assert len(m.INDEPENDENT) >= 5
    for style, sources in m.INDEPENDENT.items():
        assert set(sources) == cells, style
    assert set(m.COPIES) == {"renamed", "reordered", "half", "course"}
    for kind, copy in m.COPIES.items():
        assert set(copy["cells"]) == cells, kind
        assert copy["of"] in m.INDEPENDENT or copy["of"].startswith(("course:losslab.", "course:lecture ")), (
            kind
        )


class _Recorder:
    """The checks of losslab.checks, recording what they were given instead of judging it."""

    def __init__(self):
        self.records = []

    def check_close(self, label, actual, expected=None, **_):
        self.records.append((label, np.asarray(actual, dtype=float)))

    def check_shape(self, label, actual, shape=None, hint=""):
        self.records.append((label, np.shape(actual)))

    def check_true(self, label, condition, message="", hint=""):
        self.records.append((label, bool(condition)))

    def check_raises(self, label, exceptions, fn, *args, hint="", **kwargs):
        try:
            fn(*args, **kwargs)
        except exceptions as exc:
            self.records.append((label, "raised"))
            return exc
        self.records.append((label, "returned"))
        return None

    def check_score(self, label, weights, score="", at_least=None, *, atol=0.05, hint=""):
        from losslab.checks import SCORES

        self.records.append(
            (label, Score(SCORES[score][2](np.asarray(weights, dtype=float)), at_least, atol))
        )


@dataclasses.dataclass(frozen=True)
class Score:
    """What check_score was given: the score of the weights, and the bound it asked for (None: hidden)."""

    value: float
    at_least: float | None
    atol: float


def run_checks(name: str, cells: dict[str, str] | None) -> list:
    """Run the assignment's test cells (visible and hidden checks) on these solution cells, or on
    the instructor's when cells is None, in this process; return what every check was given."""
    recorder = _Recorder()
    ns: dict = {}
    nb = nbformat.read(COURSE.source(name), as_version=4)
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            runs = meta.get("solution") or meta.get("grade") or meta.get("grade_id", "").startswith("setup")
            if cell.cell_type != "code" or not runs:  # not the summary, nor cells that only draw
                continue
            exec(cells[meta["grade_id"]] if cells is not None and meta.get("solution") else cell.source, ns)
            # after the setup cell's imports: the checks every later cell calls record instead
            checks = ("check_close", "check_shape", "check_true", "check_raises", "check_score")
            ns.update({n: getattr(recorder, n) for n in checks})
    return recorder.records


def same_records(got: list, want: list) -> list:
    """The checks whose recorded values differ (arrays to the checks' default tolerance)."""
    differ = [] if len(got) == len(want) else [("number of checks", len(got), len(want))]
    for (label, g), (_, w) in zip(got, want, strict=False):
        if isinstance(w, np.ndarray):
            ok = isinstance(g, np.ndarray) and g.shape == w.shape and np.allclose(g, w, rtol=1e-6, atol=1e-8)
        elif isinstance(w, Score):  # as the grader decides: the bound, or the reference's score minus atol
            ok = isinstance(g, Score) and g.value >= (
                w.at_least if w.at_least is not None else w.value - w.atol
            )
        else:
            ok = g == w
        if not ok:
            differ.append((label, g, w))
    return differ


#: Assignments whose checks train models (seconds per student): their correctness test is slow.
TRAINING = {"07_training_linear_classifiers"}


@functools.cache
def reference_records(name: str) -> list:
    return run_checks(name, None)


@pytest.mark.parametrize(
    ("name", "who"),
    [
        pytest.param(n, w, marks=[pytest.mark.slow] if n in TRAINING else [])
        for n in ASSIGNMENTS
        for w in class_code(n)
    ],
)
def test_every_solution_in_the_made_class_is_correct(name, who):
    """Independent students and copies alike pass every check the reference passes, hidden ones too."""
    m = made_class(name)
    cells = m.INDEPENDENT[who] if who in m.INDEPENDENT else m.COPIES[who.removeprefix("copy:")]["cells"]
    assert same_records(run_checks(name, cells), reference_records(name)) == []


# --- copies are found, independent solutions are not -------------------------------------------------


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_copies_score_above_every_pair_of_independent_solutions(name):
    m = made_class(name)
    pairs = all_pairs(name)
    independent = set(m.INDEPENDENT)
    worst = max((p.score for p in pairs if p.a in independent and p.b in independent), default=0.0)
    for kind, copy in m.COPIES.items():
        of = "course:" if copy["of"].startswith("course:") else copy["of"]
        got = score(pairs, f"copy:{kind}", of)
        print(f"{name}: copy {kind} of {copy['of']}: {got:.3f} (independent pairs at most {worst:.3f})")
        assert got > worst, (kind, got, worst)
        assert got >= DEFAULT_THRESHOLD, (kind, got)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_paste_from_the_course_is_flagged_naming_its_module(name):
    m = made_class(name)
    pairs = find_pairs(class_code(name), template(name), known_sources(COURSE, name, release(name)))
    course = [p for p in pairs if p.a == "copy:course" and p.b.startswith("course:")]
    assert len(course) == 1
    module = m.COPIES["course"]["of"].removeprefix("course:")
    assert module in course[0].b.removeprefix("course:").split(" + ")
    # ... and above every independent student's resemblance to the course
    independent = set(m.INDEPENDENT)
    assert course[0].score > max(score(all_pairs(name), s, "course:") for s in independent)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_independent_solution_is_flagged_at_the_default_threshold(name):
    independent = set(made_class(name).INDEPENDENT)
    flagged = find_pairs(class_code(name), template(name), known_sources(COURSE, name, release(name)))
    assert [
        (p.a, p.b, p.score)
        for p in flagged
        if p.a in independent and (p.b in independent or p.b.startswith("course:"))
    ] == []


def test_the_score_is_symmetric_and_in_0_1():
    """Renaming the copies puts them on the other side of each pair (ids are ordered): same scores."""
    name = "02_svm_loss"
    swapped = {sid.replace("copy:", "z-copy:"): text for sid, text in class_code(name).items()}
    again = find_pairs(swapped, template(name), known_sources(COURSE, name, release(name)), 0.0)
    assert any(p.a.startswith("copy:") for p in all_pairs(name))
    assert any(p.b.startswith("z-copy:") for p in again)

    def scores(pairs):
        return {frozenset(sid.replace("z-copy:", "copy:") for sid in (p.a, p.b)): p.score for p in pairs}

    assert scores(again) == scores(all_pairs(name))
    assert all(0 < p.score <= 1 for p in again)
    assert [p.score for p in again] == sorted((p.score for p in again), reverse=True)


def test_scores_do_not_depend_on_pythons_hash_seed(monkeypatch):
    """copydetect hashes k-grams with hash(), which Python salts per process (PYTHONHASHSEED): with
    every k-gram kept (window 1) rather than the smallest hash of each window, the same class gets
    the same pairs and scores whatever the salt. Another salt, here: hash() of a salted tuple."""
    import copydetect.utils

    name = "05_regression_losses"
    code, known = class_code(name), known_sources(COURSE, name, release(name))
    salted = [find_pairs(code, template(name), known, threshold=0.0)]
    for salt in ("one salt", "another salt"):
        monkeypatch.setattr(
            copydetect.utils, "hash", lambda text, salt=salt: hash((salt, text)), raising=False
        )
        salted.append(find_pairs(code, template(name), known, threshold=0.0))
    assert salted[0] == salted[1] == salted[2]


# --- what does not count ------------------------------------------------------------------------------


def test_the_release_alone_is_never_a_pair_and_one_forced_line_is_not_flagged():
    name = "02_svm_loss"
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release(name).cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}  # fmt: skip
    forced = dict(
        stubs,
        svm_loss_single=stubs["svm_loss_single"].replace(
            "raise NotImplementedError()",
            "return float(np.sum(np.maximum(0, scores - scores[y] + delta)) - delta)",
        ),
    )
    untouched = {"untouched-1": joined(stubs), "untouched-2": joined(stubs), "empty": "", "blank": "\n\n"}
    assert find_pairs(untouched, template(name), {}, threshold=0.0) == []
    one_line = {f"one-line-{i}": joined(forced) for i in range(3)}
    alike = find_pairs(one_line, template(name), {}, threshold=0.0)
    assert alike and all(p.score < DEFAULT_THRESHOLD for p in alike)  # one line: a small share of MIN_CODE
    assert find_pairs(one_line | untouched, template(name), {}) == []


def test_code_most_of_the_class_shares_does_not_count():
    """A block in 5 or more submissions (and at least a fifth of them) is taken as forced; the same
    block in two submissions only makes them a pair."""
    name = "02_svm_loss"
    shared_block = joined(made_class("04_softmax_cross_entropy").INDEPENDENT["cs231n_loops"])
    own = {style: joined(cells) for style, cells in made_class(name).INDEPENDENT.items()}
    everyone = {sid: text + "\n\n" + shared_block for sid, text in own.items()}
    assert find_pairs(everyone, template(name), {}) == []
    two = dict(own, cs231n_loops=own["cs231n_loops"] + "\n\n" + shared_block,
               helpers=own["helpers"] + "\n\n" + shared_block)  # fmt: skip
    assert [(p.a, p.b) for p in find_pairs(two, template(name), {})] == [("cs231n_loops", "helpers")]


def test_release_lines_go_but_an_edited_docstring_stays_whole():
    stub = (
        'def f(x):\n    """Return x.\n\n    x: a number.\n    """\n'
        + "    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    release = similarity._Release(stub)

    def kept(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(lines[i] for i in release.kept_lines(text, lines))

    answer = "    y = x + 1\n    return y\n"
    assert kept(stub.replace("    # YOUR CODE HERE\n    raise NotImplementedError()\n", answer)) == answer
    edited = stub.replace("Return x.", "Return x, my version.")
    assert kept(edited) == '    """Return x, my version.\n\n    x: a number.\n    """\n'


def test_code_that_does_not_parse_is_compared_all_the_same():
    name = "02_svm_loss"
    code = class_code(name)
    broken = code["helpers"] + '\n\ndef oops(:\n    """never closed\n'
    pairs = find_pairs({"helpers": code["helpers"], "broken": broken}, template(name), {})
    assert [(p.a, p.b) for p in pairs] == [("broken", "helpers")]


# --- the known sources ----------------------------------------------------------------------------------


def test_known_sources_are_the_graded_modules_and_the_lectures_so_far():
    names = set(known_sources(COURSE, "02_svm_loss", release("02_svm_loss")))
    assert {"losslab.linear_svm", "losslab.classification", "lecture 01_score_function",
            "lecture 02_svm_loss"} <= names  # fmt: skip
    assert not names & {"losslab.checks", "losslab.data", "losslab.gradient_check", "losslab._validate",
                        "lecture 03_regularization"}  # fmt: skip
    names = set(known_sources(COURSE, "04_softmax_cross_entropy", release("04_softmax_cross_entropy")))
    assert {"losslab.softmax", "lecture 04a_softmax", "lecture 04b_cross_entropy"} <= names
    assert "lecture 05_regression_losses" not in names


# --- what the instructor reads -------------------------------------------------------------------------


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_views_are_script_free_and_escape_everything(tmp_path):
    name = "02_svm_loss"
    code = class_code(name)
    hostile = "</pre></td><script>alert(1)</script><img src=x onerror=alert(2)>"
    evil = code["helpers"].replace(
        '"""Multiclass SVM loss and gradient without loops: same result as svm_loss_naive."""',
        f'"""{hostile}"""',
    )
    assert hostile in evil
    pairs = find_pairs({"<b>eve</b>": evil, "mallory": evil, "row_vectors": code["row_vectors"],
                        "copy:renamed": code["copy:renamed"]}, template(name), {})  # fmt: skip
    assert [(p.a, p.b) for p in pairs] == [("<b>eve</b>", "mallory"), ("copy:renamed", "row_vectors")]
    assert any(hostile in text for text, _ in pairs[0].fragments)
    viewed = write_views(tmp_path, pairs, limit=1)
    assert [p.view for p in viewed] == ["similar-001.html", ""]
    assert [f.name for f in tmp_path.iterdir()] == ["similar-001.html"]
    assert [dataclasses.replace(p, view="") for p in viewed] == pairs
    text = (tmp_path / viewed[0].view).read_text()
    parsed = _Tags()
    parsed.feed(text)
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "p", "table", "tr", "th", "td", "pre"}
    assert parsed.tags <= allowed
    assert "<script" not in text.lower() and "<img" not in text.lower()
    assert not {k for k, _ in parsed.attrs} & {"src", "href", "onerror", "onload", "action"}
    assert ("content", similarity.CSP) in parsed.attrs
    assert "&lt;/pre&gt;&lt;/td&gt;&lt;script&gt;" in text
    assert "&lt;b&gt;eve&lt;/b&gt;" in text
    assert hostile in "".join(parsed.text)  # shown as text


def test_a_huge_copy_makes_a_page_of_bounded_size(tmp_path):
    block = "".join(
        f"def f{i}(x):\n    y = x * {i} + np.sum(x ** 2)\n    return y - x.mean()\n\n" for i in range(20_000)
    )
    pairs = find_pairs({"a": block, "b": block}, "", {})
    assert len(pairs) == 1 and sum(len(a) for a, _ in pairs[0].fragments) > similarity.MAX_VIEW_CHARS
    page = write_views(tmp_path, pairs)[0].view
    assert (tmp_path / page).stat().st_size < 4 * similarity.MAX_VIEW_CHARS


def test_the_policy_is_the_feedback_pages_one():
    from losslab_grader import feedback

    assert similarity.CSP == feedback.CSP


def test_fragments_are_each_sides_own_lines():
    name = "02_svm_loss"
    code = class_code(name)
    known = known_sources(COURSE, name, release(name))
    for p in all_pairs(name):
        if p.score < DEFAULT_THRESHOLD:
            continue
        assert p.fragments
        for text_a, text_b in p.fragments:
            assert text_a in code[p.a]
            if p.b.startswith("course:"):
                source, _, text_b = text_b.partition("\n")
                assert text_b in known[source.removeprefix("# ")]
            else:
                assert text_b in code[p.b]


def test_the_csv_lists_exactly_the_pairs_over_the_threshold(tmp_path):
    name = "04_softmax_cross_entropy"
    everything = all_pairs(name)
    for threshold in (DEFAULT_THRESHOLD, 0.2, 0.9):
        pairs = find_pairs(
            class_code(name), template(name), known_sources(COURSE, name, release(name)), threshold
        )
        assert pairs == [p for p in everything if p.score >= threshold]
        write_csv(tmp_path / "similar.csv", pairs)
        with open(tmp_path / "similar.csv", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["a", "b", "score"]
        assert rows[1:] == [[p.a, p.b, f"{p.score:.4f}"] for p in pairs]


# --- how long it takes -------------------------------------------------------------------------------


def test_pairs_of_every_made_class_to_show(capsys):
    """Prints every made class's scores: copies against their source, and the highest independent pairs."""
    with capsys.disabled():
        for name in ASSIGNMENTS:
            m = made_class(name)
            independent = set(m.INDEPENDENT)
            pairs = all_pairs(name)
            top = [
                p for p in pairs if p.a in independent and (p.b in independent or p.b.startswith("course:"))
            ]
            print(
                f"\n{name}: independent pairs at most "
                + ", ".join(f"{p.a}~{p.b} {p.score:.3f}" for p in top[:3])
            )
            for kind, copy in m.COPIES.items():
                of = "course:" if copy["of"].startswith("course:") else copy["of"]
                print(f"  copy {kind} of {copy['of']}: {score(pairs, f'copy:{kind}', of):.3f}")


def test_candidates_are_the_pairs_sharing_a_fingerprint():
    """Every student pair that shares a fingerprint is a candidate, once, in a < b order."""
    fps = {sid: similarity._fingerprint(text) for sid, text in class_code("05_regression_losses").items()}
    want = [(a, b) for a, b in itertools.combinations(sorted(fps), 2) if fps[a].hashes & fps[b].hashes]
    assert sorted(similarity._candidates(fps)) == want
