"""report.html: the class at a glance, with PNG figures beside it (matplotlib, Agg)."""

from __future__ import annotations

import base64
import html
from collections import Counter


def preload() -> None:
    """Import matplotlib (about a second) ahead of the report, while the process would only wait."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot  # noqa: F401


def _figures(o, out) -> list[str]:
    preload()
    import matplotlib.pyplot as plt

    names = []
    maxs = sum(o.tests.values()) or 1.0
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist([r["score"] for r in o.rows], bins=min(20, int(maxs) + 1), range=(0, maxs), color="#4c72b0")
    ax.set_xlabel(f"autograded score (of {maxs:g})")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    fig.tight_layout()
    fig.savefig(out / "scores.png", dpi=100)
    plt.close(fig)
    names.append("scores.png")
    if o.tests:
        n = max(len(o.rows), 1)
        rates = [sum(r["scores"][t] == p for r in o.rows) / n for t, p in o.tests.items()]
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


def write_report(o, assignment: str) -> None:
    out = o.out
    figs = _figures(o, out)
    esc = html.escape
    n = max(len(o.rows), 1)
    from .feedback import CSP
    from .sandbox import guarantees

    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
        f"<title>Grading report: {esc(assignment)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
        ".warn{color:#a00}</style>",
        f"<h1>Grading report: {esc(assignment)}</h1>",
    ]
    from .cli import summary_paragraph

    parts.append(f"<p>{esc(summary_paragraph(o))}</p>")
    for w in o.warnings:
        parts.append(f"<p class='warn'>warning: {esc(w)}</p>")
    parts.append("<h2>Isolation of this run</h2><table><tr><th>guarantee</th><th>held</th></tr>")
    for what, held in guarantees(o.mode).items():
        parts.append(f"<tr><td>{esc(what)}</td><td>{'yes' if held else '<b class=warn>no</b>'}</td></tr>")
    parts.append("</table>")
    # embedded (the PNGs stay beside it too): the page's policy allows no image from elsewhere
    parts += [
        f"<img src='data:image/png;base64,{base64.b64encode((out / f).read_bytes()).decode()}' alt='{f}'>"
        for f in figs
    ]

    parts.append(
        "<h2>Pass rate per test cell</h2><table><tr><th>test cell</th><th>points</th>"
        "<th>full points</th><th>mean points</th></tr>"
    )
    for t, p in o.tests.items():
        full = sum(r["scores"][t] == p for r in o.rows)
        mean = sum(r["scores"][t] for r in o.rows) / n
        parts.append(
            f"<tr><td>{esc(t)}</td><td>{p:g}</td><td>{full} ({full / n:.0%})</td><td>{mean:.2f}</td></tr>"
        )
    parts.append("</table>")

    messages = Counter(m for r in o.rows for m in r["public_failures"])
    parts.append("<h2>Most common failing public-test messages</h2>")
    if messages:
        parts.append("<table><tr><th>students</th><th>message</th></tr>")
        for m, k in messages.most_common(15):
            parts.append(f"<tr><td>{k}</td><td><code>{esc(m)}</code></td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")

    parts.append(
        "<h2>Slowest submissions</h2><table><tr><th>student</th><th>seconds</th><th>status</th></tr>"
    )
    for r in sorted(o.rows, key=lambda r: -r["seconds"])[:10]:
        parts.append(
            f"<tr><td>{esc(r['student_id'])}</td><td>{r['seconds']:.2f}</td><td>{esc(r['status'])}</td></tr>"
        )
    parts.append("</table>")

    parts.append("<h2>Submissions that did not grade normally</h2>")
    odd = [r for r in o.rows if r["status"] != "ok" or r.get("reason")]
    if odd:
        parts.append("<table><tr><th>student</th><th>status</th><th>score</th><th>reason</th></tr>")
        for r in odd:
            parts.append(
                f"<tr><td>{esc(r['student_id'])}</td><td>{esc(r['status'])}</td>"
                f"<td>{r['score']:g}</td><td>{esc(r['reason'])}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None: every submission graded normally.</p>")
    (out / "report.html").write_text("\n".join(parts) + "\n", encoding="utf-8")
