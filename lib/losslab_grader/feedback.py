"""The feedback page a student receives: their work, the grader's verdicts, nothing else.

The page is written here, not by nbconvert's templates, because everything
on it comes from a hostile notebook:

* markdown cells are rendered by mistune with raw HTML escaped and harmful
  link protocols (``javascript:``, ``data:``, ...) replaced;
* code cells show the submitted source as escaped text; no output of the
  student's kernel is shown at all (a kernel could print hidden tests there);
* test cells show the visible part of the test (as released) and the
  grader's verdict with the points;
* the page carries no script and a Content-Security-Policy that forbids
  scripts, so even a mistake above could not run one in the instructor's or
  the student's browser;
* sizes are capped (per markdown cell and per page).
"""

from __future__ import annotations

import html

import mistune

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
.points { font-weight: bold } .note { color: #666; font-style: italic }
"""

_markdown = mistune.create_markdown(escape=True)


def _clip(text: str, limit: int = MAX_CELL_CHARS) -> str:
    return (
        text if len(text) <= limit else text[:limit] + f"\n… [{len(text) - limit} more characters not shown]"
    )


def _markdown_html(source: str) -> str:
    return _markdown(_clip(source))


def render(
    nb, title: str, score: float, max_score: float, points: dict[str, tuple[float, float]], verdicts: dict
) -> str:
    """The feedback page of an autograded notebook.

    points: grade_id -> (score, max) of each graded cell; verdicts: grade_id -> CellVerdict.
    """
    parts: list[str] = []
    size = 0
    for cell in nb.cells:
        piece = _cell_html(cell, points, verdicts)
        size += len(piece)
        if size > MAX_PAGE_CHARS:
            parts.append("<p class='note'>[the rest of the notebook is too long to show here]</p>")
            break
        parts.append(piece)
    head = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='points'>Autograded score: {score:g} / {max_score:g}</p>"
    )
    return head + "".join(parts) + "</body></html>"


def _cell_html(cell, points, verdicts) -> str:
    source = cell.get("source", "")
    source = source if isinstance(source, str) else "".join(source)
    gid = testcells.meta(cell).get("grade_id")
    if cell.get("cell_type") == "markdown":
        body = _markdown_html(source)
        if gid in points and testcells.meta(cell).get("solution"):
            body += "<p class='note'>(graded by hand)</p>"
        return f"<div class='cell'>{body}</div>"
    if cell.get("cell_type") != "code":
        return ""
    if testcells.is_test_cell(cell) and gid in points:
        got, out_of = points[gid]
        result = verdicts.get(gid)
        passed = result is not None and result.passed
        text = "ok: every check matched" if passed else "\n".join(result.messages) if result else "not graded"
        return (
            f"<div class='cell'><p class='points'>Test {html.escape(gid)}: {got:g} / {out_of:g}</p>"
            f"<pre>{html.escape(_clip(testcells.visible_source(source)))}</pre>"
            f"<div class='verdict {'pass' if passed else 'fail'}'>{html.escape(_clip(text))}</div></div>"
        )
    return f"<div class='cell'><pre>{html.escape(_clip(source))}</pre></div>"


def status_page(title: str, status: str, reason: str, score: float, max_score: float) -> str:
    """A short page for a student whose notebook could not be graded normally."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p>Status: <b>{html.escape(status)}</b>. Score {score:g} / {max_score:g}.</p>"
        f"<p>{html.escape(reason)}</p>"
        "<p>Check that you submitted the notebook named as released, that it opens in Jupyter, and that "
        "<i>Kernel &rarr; Restart Kernel and Run All Cells</i> finishes in a reasonable time.</p>"
        "</body></html>"
    )
