"""report.html: the class at a glance, with PNG figures beside it (matplotlib, Agg).

Besides scores and pass rates it answers the two questions an instructor of a
large class asks: *what did the class get wrong* (the known mistakes of the
course's catalogue the failing cells matched, and the failures no entry
explains) and *which submissions look copied* (the most similar pairs, with a
side-by-side view of each). Like the feedback pages, the report holds no script.
"""

from __future__ import annotations

import base64
import html
from collections import Counter, defaultdict
from pathlib import Path

from .feedback import CSP
from .model import Outcome
from .outputs import summary_paragraph
from .sandbox import guarantees

esc = html.escape


def preload() -> None:
    """Import matplotlib (about a second) ahead of the report, while the process would only wait."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot  # noqa: F401


def _figures(o: Outcome, out: Path) -> list[str]:
    preload()
    import matplotlib.pyplot as plt

    names = []
    maxs = o.assignment.max_score or 1.0
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist([r.score for r in o.rows], bins=min(20, int(maxs) + 1), range=(0, maxs), color="#4c72b0")
    ax.set_xlabel(f"autograded score (of {maxs:g})")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    fig.tight_layout()
    fig.savefig(out / "scores.png", dpi=100)
    plt.close(fig)
    names.append("scores.png")
    if o.tests:
        n = max(len(o.rows), 1)
        rates = [sum(r.scores[t] == p for r in o.rows) / n for t, p in o.tests.items()]
        fig, ax = plt.subplots(figsize=(6, 0.45 * len(o.tests) + 1.2))
        ax.barh(list(o.tests)[::-1], [100 * x for x in rates[::-1]], color="#55a868")
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of students with full points")
        ax.set_title("Pass rate per test cell")
        fig.tight_layout()
        fig.savefig(out / "pass_rate.png", dpi=100)
        plt.close(fig)
        names.append("pass_rate.png")
    return names


def _table(head: list[str], rows: list[list[str]]) -> str:
    """An HTML table; every cell is already escaped HTML."""
    top = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{top}</tr>{body}</table>"


def _isolation(o: Outcome) -> str:
    rows = [
        [esc(what), "yes" if held else "<b class=warn>no</b>"] for what, held in guarantees(o.mode).items()
    ]
    rows.append(["memory and processes capped per submission", esc(o.memory_limit or "no")])
    return "<h2>Isolation of this run</h2>" + _table(["guarantee", "held"], rows)


def _pass_rates(o: Outcome) -> str:
    n = max(len(o.rows), 1)
    rows = []
    for t, p in o.tests.items():
        full = sum(r.scores[t] == p for r in o.rows)
        mean = sum(r.scores[t] for r in o.rows) / n
        rows.append([esc(t), f"{p:g}", f"{full} ({full / n:.0%})", f"{mean:.2f}"])
    return "<h2>Pass rate per test cell</h2>" + _table(
        ["test cell", "points", "full points", "mean points"], rows
    )


def _mistakes(o: Outcome) -> str:
    """What the class got wrong: each known mistake matched, and the failures no entry explains."""
    parts = ["<h2>What the class got wrong</h2>"]
    if not o.mistakes:
        parts.append(
            "<p>This assignment has no catalogue of known mistakes "
            "(<code>solutions/NAME/mistakes.py</code>).</p>"
        )
    cost: dict[str, dict[str, float]] = defaultdict(dict)  # mistake -> student -> points it cost
    cells: dict[str, set[str]] = defaultdict(set)
    for r in o.rows:
        for cell, names in r.mistakes.items():
            for name in names:
                cost[name][r.student_id] = cost[name].get(r.student_id, 0.0) + o.tests.get(cell, 0.0)
                cells[name].add(cell)
    rows = []
    for name in sorted(cost, key=lambda m: (-len(cost[m]), m)):
        title, hint = o.mistakes.get(name, (name, ""))
        ranked = sorted(cost[name].items(), key=lambda kv: (-kv[1], kv[0]))
        who = ", ".join(f"{esc(s)} (&minus;{p:g})" for s, p in ranked[:30]) + (
            " …" if len(ranked) > 30 else ""
        )
        rows.append(
            [
                f"<b>{esc(name)}</b><br>{esc(title)}",
                str(len(ranked)),
                esc(", ".join(sorted(cells[name]))),
                esc(hint),
                who,
            ]
        )
    if rows:
        parts.append(_table(["mistake", "students", "cells it cost", "hint", "students (points lost)"], rows))
    elif o.mistakes:
        parts.append("<p>No failing cell matched a known mistake.</p>")
    unexplained = Counter(
        cell
        for r in o.rows
        if r.status == "ok"
        for cell, p in o.tests.items()
        if r.scores[cell] < p and not r.mistakes.get(cell)
    )
    if unexplained:
        parts.append("<h3>Unrecognised failures (the catalogue could grow here)</h3>")
        parts.append(
            _table(
                ["test cell", "students failing it with no known mistake"],
                [[esc(c), str(k)] for c, k in sorted(unexplained.items())],
            )
        )
    return "\n".join(parts)


def _similar(o: Outcome) -> str:
    parts = ["<h2>Submissions that look copied</h2>"]
    if o.pairs is None:
        return parts[0] + "<p>Not computed (<code>--no-similarity</code>).</p>"
    parts.append(
        "<p>Pairs whose own code (template, imports and short forced lines excluded) is most alike, "
        "and submissions that resemble the course's own code. Similar is not copied: read each pair "
        "before you decide anything. Every pair over the threshold is in <code>similarity.csv</code>.</p>"
    )
    if not o.pairs:
        return "\n".join(parts) + "<p>No pair over the threshold.</p>"
    rows = []
    for p in o.pairs[:20]:
        view = f"<a href='similarity/{esc(p.view)}'>side by side</a>" if p.view else ""
        rows.append([esc(p.a), esc(p.b), f"{p.score:.2f}", view])
    return "\n".join(parts) + _table(["submission", "resembles", "similarity", "view"], rows)


def _failures(o: Outcome) -> str:
    messages = Counter(m for r in o.rows for m in r.public_failures)
    if not messages:
        return "<h2>Most common failing public-test messages</h2><p>None.</p>"
    rows = [[str(k), f"<code>{esc(m)}</code>"] for m, k in messages.most_common(15)]
    return "<h2>Most common failing public-test messages</h2>" + _table(["students", "message"], rows)


def _odd(o: Outcome) -> str:
    slow = sorted(o.rows, key=lambda r: -r.seconds)[:10]
    parts = [
        "<h2>Slowest submissions</h2>",
        _table(
            ["student", "seconds", "status"],
            [[esc(r.student_id), f"{r.seconds:.2f}", esc(r.status)] for r in slow],
        ),
        "<h2>Submissions that did not grade normally</h2>",
    ]
    odd = [r for r in o.rows if r.status != "ok" or r.reason]
    if not odd:
        return "\n".join(parts) + "<p>None: every submission graded normally.</p>"
    rows = [[esc(r.student_id), esc(r.status), f"{r.score:g}", esc(r.reason)] for r in odd]
    return "\n".join(parts) + _table(["student", "status", "score", "reason"], rows)


def write_report(o: Outcome) -> Path:
    out = o.out
    figs = _figures(o, out)
    name = o.assignment.name
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
        f"<title>Grading report: {esc(name)}</title>",
        "<style>body{font-family:sans-serif;max-width:64em;margin:2em auto}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
        "text-align:left;vertical-align:top}.warn{color:#a00}</style>",
        f"<h1>Grading report: {esc(name)}</h1>",
        f"<p>{esc(summary_paragraph(o))}</p>",
        "<p>Time per phase: " + esc(", ".join(f"{k} {v:.1f} s" for k, v in o.timings.items())) + ".</p>"
        if o.timings
        else "",
        *[f"<p class='warn'>warning: {esc(w)}</p>" for w in o.warnings],
        _isolation(o),
        # embedded (the PNGs stay beside it too): the page's policy allows no image from elsewhere
        *[
            f"<img src='data:image/png;base64,{base64.b64encode((out / f).read_bytes()).decode()}' alt='{f}'>"
            for f in figs
        ],
        _pass_rates(o),
        _mistakes(o),
        _failures(o),
        _similar(o),
        _odd(o),
    ]
    path = out / "report.html"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
