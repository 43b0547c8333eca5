"""Submissions that look copied: from each other, or from the course's own code.

The detector is copydetect's (winnowing over pygments tokens, the MOSS family).
Each submission is tokenized; every name becomes ``V`` or ``F``, every string
``S``; comments and whitespace vanish; the k-grams of that token text (k =
:data:`NOISE` characters) are hashed, and two submissions share code where
they share hashes. A side's share is copydetect's similarity: the part of its
token text covered by k-grams the other side also has, over its fingerprinted
token text. A pair's :attr:`Pair.score` is the larger of the two sides'
shares, so a submission that took half of another's functions and wrote the
rest scores about one half, whatever the other's length. Renamed variables,
new comments, reformatting and reordered functions leave the token text of a
copied stretch as it was, so they do not lower the score.

Only the students' own code counts:

* **The release's code.** The lines a submission has from the release
  notebook (signatures, docstrings, imports, test cells) are deleted before
  anything is fingerprinted: a line whose stripped text is a line of the
  release, and a docstring that is the release's, whole. Deleting them (rather
  than only listing them as copydetect's boilerplate) matters: a k-gram
  straddling a signature and the first line of its body is in no release and in
  every submission. The release's own k-grams are copydetect's *boilerplate*
  as well, for release code a student moved or re-indented.
* **Code forced by the task.** ``return X @ W`` is what every correct student
  writes. Three defences. (1) k = 25 characters of token text, about two
  statements: one forced line alone is never a shared fragment. With
  copydetect's guarantee threshold equal to its noise threshold (window 1,
  copydetect's defaults both) every k-gram is kept, which also makes a score
  the same in every run: copydetect hashes with Python's ``hash``, salted per
  process, so a wider window would keep different k-grams each time.
  (2) A k-gram found in many submissions of the class (at least
  :data:`COMMON_SHARE` of them, and at least :data:`COMMON_MIN`) is boilerplate
  too, as with MOSS's ``-m``: what much of a class writes alike says nothing
  about who copied. The price: a copy shared by that many students is not seen
  (and neither is a source that many copied from, the course's included).
  (3) A side's share is taken of at least :data:`MIN_CODE` characters of token
  text, so that two students who wrote one short function alike do not score 1.

The course's own code is compared with every submission as *known sources*
(:func:`known_sources`): the losslab modules that implement what the
assignment grades (students have them installed: the lectures import them,
and ``??`` shows their source) and the lectures' code cells. A submission is
compared with all of them as one text, since what it took may come from two
(a function and the helper it calls), and a match is a pair ``(student,
"course:<module>")`` naming the sources that hold at least a quarter of the
shared code.

Thresholds, measured on the made classes of tests/grader/similarity/ (five or
six independent correct solutions per assignment, and four copies, for 02, 04,
05, 06 and 07): independent pairs score at most 0.19 with each other and 0.24
with the course; copies with every name changed score 1.0, with functions
reordered and comments added 0.79-0.98, with half of the functions taken
0.47-0.65, pasted from the course 0.38-0.83 (0.38: lecture 07's code fitted to
the stubs). :data:`DEFAULT_THRESHOLD` = 0.3 sits between. k = 20 or 30 and
COMMON_MIN = 3 or 4 separate them no better. Assignments 01 and 03 are not
covered: their functions are a few lines the task dictates, so a copy cannot be
told from two students writing the same lines. Two token-identical 03
submissions score 0.72 (their 110 characters of token text over MIN_CODE); one
token apart per statement, 0. There, a pair means little unless the class is
large enough for the common k-grams to be left out.

A score says how much code two submissions share beyond what the release and
the class have in common, not that anyone copied: a person reads the fragments
side by side and decides.
"""

from __future__ import annotations

import bisect
import copy
import csv
import html
import io
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .feedback import CSP

#: k: the shortest stretch of shared token text (names as V/F, no spaces) that counts, in characters.
NOISE = 25
#: A k-gram in at least this share of the class's submissions is taken as forced by the task ...
COMMON_SHARE = 0.2
#: ... when that is at least this many submissions (in a small class, a few friends are a large share).
COMMON_MIN = 5
#: A side's share is taken of at least this much token text (a full submission has 300-1 000).
MIN_CODE = 150
#: Pairs scoring at least this are flagged; the instructor can set another.
DEFAULT_THRESHOLD = 0.3
#: A pair's page shows at most this many characters of fragments per side.
MAX_VIEW_CHARS = 40_000
#: A submission's code beyond this many characters is not compared (the made classes' have 900-3 700).
MAX_CODE_CHARS = 50_000
#: A k-gram found m times on one side and n on the other pairs each with each while m n <= this ...
MAX_PAIRINGS = 64
#: ... and a pair's shared stretches are at most this many (its page shows far fewer).
MAX_TILES = 500
#: The feedback pages' policy (losslab_grader.feedback.CSP): no script, nothing loaded from anywhere.
#: How a pair names the course as its second side.
COURSE = "course:"


@dataclass(frozen=True)
class Pair:
    a: str  # a student id
    b: str  # another student id, or "course:<name>" for a known source
    score: float  # similarity in [0, 1], symmetric
    fragments: tuple[tuple[str, str], ...]  # shared fragments, (a's text, b's text), for a side-by-side view
    view: str = ""  # file name of its HTML view, set by write_views


# --- the course's own code -------------------------------------------------------------------------


def known_sources(course, assignment: str, release_nb) -> dict[str, str]:
    """name -> code students could copy from the course itself.

    The losslab modules that implement what this assignment grades (the course library minus the
    modules a grading jail may use), named "losslab.<module>", and the code cells of the lectures
    numbered up to the assignment's number (04a and 04b for 04), named "lecture <stem>".
    """
    import nbformat

    from .workspace import allowed_modules

    allowed = allowed_modules(release_nb, course.library)
    known = {
        f"losslab.{path.stem}": path.read_text(encoding="utf-8")
        for path in sorted(course.library.glob("*.py"))
        if path.stem not in allowed
    }
    number = _number(assignment)
    for path in course.lectures():
        if number is not None and _number(path.stem) <= number:
            cells = nbformat.read(path, as_version=4).cells
            code = "\n\n".join(c.source for c in cells if c.cell_type == "code")
            if code.strip():
                known[f"lecture {path.stem}"] = code
    return known


def _number(name: str) -> int | None:
    return int(name[:2]) if name[:2].isdigit() else None


# --- finding pairs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Code:
    """A text as written, and its fingerprint once the release's lines are deleted from it."""

    lines: list[str]  # the text as written, line by line
    kept: list[int]  # the lines left once the release's are deleted (indexes into lines)
    fp: object  # copydetect's CodeFingerprint of those lines


def find_pairs(code: dict[str, str], template: str, known: dict[str, str],
               threshold: float = DEFAULT_THRESHOLD) -> list[Pair]:  # fmt: skip
    """Every pair (student-student, student-course) scoring at least threshold, highest first.

    code: student id -> the student's own code (their solution cells joined); template: the
    release notebook's code, which does not count; known: name -> code (see known_sources).
    """
    release = _Release(template)
    students = {sid: release.code(text[:MAX_CODE_CHARS]) for sid, text in code.items()}
    common = _common([c.fp for c in students.values()])
    students = {sid: _without_hashes(c, common) for sid, c in students.items()}
    pairs = [
        Pair(a, b, score, _fragments(students[a], students[b], _tiles(students[a].fp, students[b].fp)))
        for a, b in _candidates({sid: c.fp for sid, c in students.items()})
        if (score := _score(students[a].fp, students[b].fp, threshold))
    ]
    if known:
        pairs += _course_pairs(students, known, release, common, threshold)
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs


def _course_pairs(students: dict[str, _Code], known: dict[str, str], release: _Release, common: set[int],
                  threshold: float) -> list[Pair]:  # fmt: skip
    """Each student's pair with the known sources taken as one text, each source headed by its name."""
    texts = [f"# {name}\n{text.rstrip()}\n\n" for name, text in known.items()]
    first_lines = list(itertools.accumulate((t.count("\n") for t in texts), initial=0))
    names = list(known)
    course = _without_hashes(release.code("".join(texts)), common)

    def source(line: int) -> str:  # the known source at a line of the course's text
        return names[bisect.bisect_right(first_lines, line) - 1]

    pairs = []
    for sid, student in students.items():
        if not (score := _score(student.fp, course.fp, threshold)):
            continue
        tiles = _tiles(student.fp, course.fp)
        held = Counter()  # source -> how much of the student's token text it holds
        for (a0, a1, _, _), (first, _) in zip(tiles, _lines(course, [t[2:] for t in tiles]), strict=True):
            held[source(first)] += a1 - a0
        top, *others = sorted(held, key=lambda name: (-held[name], name))
        named = " + ".join([top] + [name for name in others if held[name] >= sum(held.values()) / 4])
        pairs.append(Pair(sid, COURSE + named, score, _fragments(student, course, tiles, source)))
    return pairs


class _Release:
    """What a submission has from the release: its lines, its docstrings, its k-grams."""

    def __init__(self, template: str):
        self.template = template
        self.lines = {line.strip() for line in template.splitlines() if line.strip()}
        self.boilerplate = np.array(sorted(_fingerprint(template).hashes), dtype=np.int64)

    def code(self, text: str) -> _Code:
        lines = text.splitlines(keepends=True)
        kept = self.kept_lines(text, lines)
        return _Code(lines, kept, _fingerprint("".join(lines[i] for i in kept), self.boilerplate))

    def kept_lines(self, text: str, lines: list[str]) -> list[int]:
        """The indexes of the lines of text that are not the release's.

        A line goes when its stripped text is a line of the release and no token crosses its
        ends; a string over several lines (a docstring) goes when it is the release's, whole. A
        docstring the student edited stays whole: deleting only its release lines would turn the
        rest of it into code.
        """
        from pygments.lexers import PythonLexer

        starts = list(itertools.accumulate(map(len, lines), initial=0))
        keep = [line.strip() not in self.lines for line in lines]
        for pos, _, value in PythonLexer().get_tokens_unprocessed(text):
            value = value.rstrip("\n")
            if "\n" not in value:
                continue
            first = bisect.bisect_right(starts, pos) - 1
            last = bisect.bisect_right(starts, pos + len(value) - 1) - 1
            gone = "".join(lines[first : last + 1]).strip() == value.strip() and value in self.template
            keep[first : last + 1] = [not gone] * (last + 1 - first)
        return [i for i, k in enumerate(keep) if k]


def _fingerprint(text: str, boilerplate=None):
    """copydetect's fingerprint of a text in memory: every k-gram of its token text (window 1)."""
    from copydetect import CodeFingerprint

    return CodeFingerprint("submission.py", NOISE, 1, boilerplate, filter=True, language="python",
                           fp=io.StringIO(text))  # fmt: skip


def _common(fingerprints: list) -> set[int]:
    """The hashes found in at least COMMON_SHARE (and COMMON_MIN) of the fingerprints."""
    counts = Counter(h for fp in fingerprints for h in fp.hashes)
    cutoff = max(COMMON_MIN, COMMON_SHARE * len(fingerprints))
    return {h for h, n in counts.items() if n >= cutoff}


def _without_hashes(code: _Code, hashes: set[int]) -> _Code:
    """code with hashes taken out of its fingerprint, as if they had been copydetect's boilerplate."""
    from copydetect.utils import get_token_coverage

    fp = code.fp
    if not hashes & fp.hashes:
        return code
    out = copy.copy(fp)
    out.hash_idx = {h: idx for h, idx in fp.hash_idx.items() if h not in hashes}
    out.hashes = set(out.hash_idx)
    out.token_coverage = get_token_coverage(out.hash_idx, fp.k, len(fp.filtered_code))
    return replace(code, fp=out)


def _candidates(fingerprints: dict) -> list[tuple[str, str]]:
    """The pairs of students that share at least one k-gram, each once, as (a, b) with a < b."""
    owners = defaultdict(set)
    for sid, fp in fingerprints.items():
        for h in fp.hashes:
            owners[h].add(sid)
    pairs = []
    for sid, fp in fingerprints.items():
        others = set().union(*(owners[h] for h in fp.hashes))
        pairs += [(sid, other) for other in sorted(others) if other > sid]
    return pairs


def _score(fa, fb, threshold: float) -> float:
    """The pair's score, rounded, when it is at least threshold and above 0; else 0.

    A side's share is copydetect's (as compare_files computes it): its token text covered by
    k-grams the other side also has, over its fingerprinted token text, taken here as at least
    MIN_CODE. Pairs whose shared k-grams could not reach threshold even if none overlapped are not
    measured further (most pairs of a class, once what is common is left out).
    """
    from copydetect.utils import get_copied_slices

    shared = fa.hashes & fb.hashes
    if not shared:
        return 0.0
    sides = [([i for h in shared for i in fp.hash_idx[h]], fp.k, float(max(fp.token_coverage, MIN_CODE)))
             for fp in (fa, fb)]  # fmt: skip
    if max(k * len(at) / size for at, k, size in sides) < threshold:
        return 0.0
    score = 0.0
    for at, k, size in sides:
        slices = get_copied_slices(np.array(at), k)
        score = max(score, float(np.sum(slices[1] - slices[0])) / size)
    return round(min(score, 1.0), 4) if score >= threshold and score > 0 else 0.0


# --- shared fragments ---------------------------------------------------------------------------------


def _tiles(fa, fb) -> list[tuple[int, int, int, int]]:
    """The stretches of token text both sides share, (a0, a1, b0, b1), none used twice.

    Shared k-grams at positions (i, j) that follow each other on one diagonal i - j make one
    stretch (gaps shorter than k allowed, as in copydetect's slices); stretches are then taken
    longest first, skipping any that overlaps one already taken on either side (greedy tiling).
    A k-gram repeated on both sides pairs its occurrences in order when pairing each with each
    would take more than MAX_PAIRINGS; at most MAX_TILES stretches are kept: repetitive code
    must not make this quadratic in its length.
    """
    k = fa.k
    diagonals = defaultdict(list)  # i - j -> positions i in a's token text
    for h in fa.hashes & fb.hashes:
        at_a, at_b = fa.hash_idx[h], fb.hash_idx[h]  # both in increasing order
        each_with_each = len(at_a) * len(at_b) <= MAX_PAIRINGS
        for i, j in itertools.product(at_a, at_b) if each_with_each else zip(at_a, at_b, strict=False):
            diagonals[i - j].append(i)
    runs = []
    for d, found in diagonals.items():
        found.sort()
        first = found[0]
        for prev, i in itertools.pairwise([*found, None]):
            if i is None or i - prev > k - 1:
                runs.append((first, prev + k, first - d, prev + k - d))
                first = i
    runs.sort(key=lambda r: (r[0] - r[1], r[0], r[2]))
    tiles = []
    for a0, a1, b0, b1 in runs[: 4 * MAX_TILES]:
        if len(tiles) == MAX_TILES:
            break
        if not any(a0 < ta1 and ta0 < a1 or b0 < tb1 and tb0 < b1 for ta0, ta1, tb0, tb1 in tiles):
            tiles.append((a0, a1, b0, b1))
    return tiles


def _fragments(a: _Code, b: _Code, tiles, label=None) -> tuple[tuple[str, str], ...]:
    """The tiles as both sides' lines as written, (a's, b's), in a's order, neighbours merged.

    label(line of b) names where b's lines come from, as a comment line above them.
    """
    spans = sorted(zip(_lines(a, [t[:2] for t in tiles]), _lines(b, [t[2:] for t in tiles]), strict=True))
    merged = []
    for (a0, a1), (b0, b1) in spans:
        if merged and a0 <= merged[-1][1] + 1 and merged[-1][2] <= b0 <= merged[-1][3] + 1:
            pa0, pa1, pb0, pb1 = merged[-1]
            merged[-1] = (pa0, max(pa1, a1), pb0, max(pb1, b1))
        else:
            merged.append((a0, a1, b0, b1))
    return tuple(
        (_text(a, a0, a1), (f"# {label(b0)}\n" if label else "") + _text(b, b0, b1))
        for a0, a1, b0, b1 in merged
    )


def _lines(code: _Code, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """For each span [start, end) of code's token text, its first and last line as written."""
    if not spans:
        return []
    fp = code.fp
    starts = list(itertools.accumulate((len(code.lines[i]) for i in code.kept), initial=0))
    first, last = (
        _raw(fp, np.array(side)).tolist() for side in zip(*[(s, e - 1) for s, e in spans], strict=True)
    )
    line = [code.kept[bisect.bisect_right(starts, pos) - 1] for pos in first + last]
    return list(zip(line[: len(spans)], line[len(spans) :], strict=True))


def _raw(fp, positions: np.ndarray) -> np.ndarray:
    """Positions in fp's token text as positions in the text it was made from (copydetect's mapping)."""
    offsets = fp.offsets
    if len(offsets) == 0:
        return positions
    rows = np.clip(np.searchsorted(offsets[:, 0], positions), 0, offsets.shape[0] - 1)
    return positions + offsets[rows, 1]


def _text(code: _Code, first: int, last: int) -> str:
    """Lines first..last of code as written, without blank lines at either end."""
    return "".join(code.lines[first : last + 1]).strip("\n")


# --- what the instructor reads ------------------------------------------------------------------------


def write_csv(path: Path, pairs: list[Pair]) -> None:
    """Every pair given (those over the threshold), highest first: a, b, score."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["a", "b", "score"])
        out.writerows([p.a, p.b, f"{p.score:.4f}"] for p in pairs)


STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 100rem; margin: 2rem auto; padding: 0 1rem }
table { border-collapse: collapse; width: 100%; table-layout: fixed }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; vertical-align: top; text-align: left }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13px }
.note { color: #555; font-style: italic }
"""


def write_views(folder: Path, pairs: list[Pair], limit: int = 20) -> list[Pair]:
    """A script-free HTML page per pair (the top limit), its shared fragments side by side.

    The pages are folder/similar-001.html, ... in the order of pairs. Returns the pairs, each of
    the top limit with its page's file name in ``view``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for rank, pair in enumerate(pairs):
        if rank < limit:
            name = f"similar-{rank + 1:03d}.html"
            (folder / name).write_text(_view(pair), encoding="utf-8")
            pair = replace(pair, view=name)
        out.append(pair)
    return out


def _view(pair: Pair) -> str:
    """The page of one pair: everything from a submission is escaped; no script, no link, no image."""
    esc = html.escape
    title = f"Similar code: {pair.a} and {pair.b}"
    rows, left = [], MAX_VIEW_CHARS
    for fragment in pair.fragments:
        if left <= 0:
            rows.append("<tr><td colspan='2' class='note'>… more fragments not shown</td></tr>")
            break
        a, b = (text if len(text) <= left else text[:left] + "\n… (cut)" for text in fragment)
        left -= max(map(len, fragment))
        rows.append(f"<tr><td><pre>{esc(a)}</pre></td><td><pre>{esc(b)}</pre></td></tr>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>"
        f"<p>Score {pair.score:.2f}: the share of one side's own code (the side where it is larger) that "
        "the other side has too, with names, comments and layout ignored, and without the release's code "
        "and what much of the class wrote alike. Each row is a stretch both sides share, as each side wrote "
        "it. Similar is not copied: read them and decide.</p>"
        f"<table><tr><th>{esc(pair.a)}</th><th>{esc(pair.b)}</th></tr>{''.join(rows)}</table>"
        "</body></html>"
    )
