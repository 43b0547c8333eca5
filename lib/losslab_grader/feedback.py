"""The feedback page a student receives: their work, the grader's verdicts, nothing else.

The page is written here, not by nbconvert's templates, because everything
on it comes from a hostile notebook:

* markdown cells are rendered by mistune with raw HTML escaped and harmful
  link protocols (``javascript:``, ``data:``, ...) replaced; formulas
  (``$…$``, ``$$…$$``) become MathML on the server (latex2mathml), rebuilt
  from an allow-list of MathML elements and attributes, which Chromium,
  Firefox and Safari draw natively, so the page needs no script for them;
* code cells show the submitted source as escaped text; no output of the
  student's kernel is shown at all (a kernel could print hidden tests there);
* test cells show the visible part of the test (as released) and the
  grader's verdict with the points; a failing cell whose records match a
  known mistake names it ("your code behaves like one that …") with its hint;
* the page carries no script and a Content-Security-Policy that forbids
  scripts, so even a mistake above could not run one in a browser;
* sizes are capped (per markdown cell and per page).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

import latex2mathml.converter
import mistune
from mistune.plugins.math import math

from . import testcells

MAX_CELL_CHARS = 20_000
MAX_PAGE_CHARS = 400_000

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; border-radius: 4px; font-size: 13px }
.cell { margin: 1rem 0 }
.verdict { border-left: 4px solid; padding: .3rem .8rem; white-space: pre-wrap; font-family: monospace }
.pass { border-color: #2a7a2a; background: #eef8ee } .fail { border-color: #b22; background: #fbeeee }
.mistake { border-left: 4px solid #a66b00; background: #fff6e5; padding: .3rem .8rem }
.points { font-weight: bold } .note { color: #555; font-style: italic }
math[display=block] { margin: .6rem 0 }
"""

# MathML that may appear on a page: elements and attributes of presentation MathML that draw
# formulas, and nothing that links, loads or scripts.
_MATHML = frozenset(
    {
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
    }
)
_ATTRIBUTES = frozenset(
    {
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "columnalign",
        "rowalign",
        "columnspacing",
        "rowspacing",
        "displaystyle",
        "scriptlevel",
        "minsize",
        "maxsize",
        "movablelimits",
        "largeop",
        "symmetric",
        "form",
        "width",
        "height",
        "depth",
        "linethickness",
        "notation",
    }
)
_NS = "{http://www.w3.org/1998/Math/MathML}"


def mathml(latex: str, display: bool) -> str:
    """latex as MathML rebuilt from the allow-list; the escaped LaTeX when it cannot be converted."""
    try:
        tree = ET.fromstring(latex2mathml.converter.convert(latex, display="block" if display else "inline"))
    except Exception:  # the converter's and the XML parser's errors alike
        return f"<code>{html.escape(latex)}</code>"
    return _element(tree, top=True)


def _element(node: ET.Element, top: bool = False) -> str:
    tag = node.tag.removeprefix(_NS)
    inner = html.escape(node.text or "") + "".join(
        _element(child) + html.escape(child.tail or "") for child in node
    )
    if tag not in _MATHML:
        return inner  # an element outside the allow-list keeps only its (escaped) text
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in sorted(node.attrib.items()) if k in _ATTRIBUTES)
    if top:
        attrs = f' xmlns="http://www.w3.org/1998/Math/MathML"{attrs}'
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _math_as_mathml(md: mistune.Markdown) -> None:
    """mistune's math syntax, drawn as MathML instead of left for a script to typeset."""
    math(md)
    md.renderer.register("block_math", lambda _renderer, text: f"<div>{mathml(text, display=True)}</div>\n")
    md.renderer.register("inline_math", lambda _renderer, text: mathml(text, display=False))


_markdown = mistune.create_markdown(escape=True, plugins=[_math_as_mathml])


def _clip(text: str, limit: int = MAX_CELL_CHARS) -> str:
    return (
        text if len(text) <= limit else text[:limit] + f"\n… [{len(text) - limit} more characters not shown]"
    )


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def render(
    nb,
    title: str,
    scores: dict[str, float],
    points: dict[str, float],
    verdicts: dict[str, dict],
    mistakes: dict[str, tuple[str, str]],
) -> str:
    """The feedback page of an autograded notebook.

    scores/points: grade_id -> points earned / possible of each test cell; verdicts: grade_id ->
    the Verdict preprocessor's metadata (passed, messages, mistakes); mistakes: a known mistake's
    name -> (title, hint).
    """
    parts: list[str] = []
    size = 0
    for cell in nb.cells:
        piece = _cell_html(cell, scores, points, verdicts, mistakes)
        size += len(piece)
        if size > MAX_PAGE_CHARS:
            parts.append("<p class='note'>[the rest of the notebook is too long to show here]</p>")
            break
        parts.append(piece)
    total = f"<p class='points'>Autograded score: {sum(scores.values()):g} / {sum(points.values()):g}</p>"
    return _page(title, total + "".join(parts))


def _cell_html(cell, scores, points, verdicts, mistakes) -> str:
    source = cell.get("source", "")
    source = source if isinstance(source, str) else "".join(source)
    gid = testcells.meta(cell).get("grade_id")
    if cell.get("cell_type") == "markdown":
        body = _markdown(_clip(source))
        if testcells.meta(cell).get("solution") and testcells.meta(cell).get("grade"):
            body += "<p class='note'>(graded by hand)</p>"
        return f"<div class='cell'>{body}</div>"
    if cell.get("cell_type") != "code":
        return ""
    if testcells.is_test_cell(cell) and gid in points:
        v = verdicts.get(gid, {})
        passed = bool(v.get("passed"))
        text = "ok: every check matched" if passed else "\n".join(v.get("messages") or ["not graded"])
        like = "".join(
            f"<p class='mistake'>Your code behaves like one that {html.escape(mistakes[name][0])}."
            f"<br>Hint: {html.escape(mistakes[name][1])}</p>"
            for name in v.get("mistakes", [])
            if name in mistakes
        )
        return (
            f"<div class='cell'><p class='points'>Test {html.escape(gid)}: "
            f"{scores.get(gid, 0.0):g} / {points[gid]:g}</p>"
            f"<pre>{html.escape(_clip(testcells.visible_source(source)))}</pre>"
            f"<div class='verdict {'pass' if passed else 'fail'}'>{html.escape(_clip(text))}</div>"
            f"{like}</div>"
        )
    return f"<div class='cell'><pre>{html.escape(_clip(source))}</pre></div>"


def status_page(title: str, status: str, reason: str, score: float, max_score: float) -> str:
    """A short page for a student whose notebook could not be graded normally."""
    return _page(
        title,
        f"<p>Status: <b>{html.escape(status)}</b>. Score {score:g} / {max_score:g}.</p>"
        f"<p>{html.escape(reason)}</p>"
        "<p>Check that you submitted the notebook named as released, that it opens in Jupyter, and that "
        "<i>Kernel &rarr; Restart Kernel and Run All Cells</i> finishes in a reasonable time.</p>",
    )
