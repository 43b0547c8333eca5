"""feedback: a student's page holds their work and the grader's verdicts, escaped, with no script; formulas
are MathML built on the server from an allow-list."""

from __future__ import annotations

from losslab_grader import feedback
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output


def test_everything_a_notebook_holds_is_escaped():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
            ),
            new_code_cell(
                "print('<script>')", outputs=[new_output("display_data", data={"text/html": "<script>"})]
            ),
        ]
    )
    page = feedback.render(nb, "t <b>", {}, {}, {}, {})
    low = page.lower()
    assert "<script" not in low and "<img" not in low and 'href="javascript' not in low
    assert "&lt;script&gt;" in low and "Content-Security-Policy" in page


def test_formulas_become_mathml_from_an_allow_list():
    html = feedback.mathml(r"\frac{1}{N}\sum_i \max(0, s_j - s_{y_i} + \Delta)", display=True)
    assert html.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"') and "<mfrac>" in html
    hostile = feedback.mathml(r"\text{<script>alert(1)</script>}\href{javascript:alert(2)}{x}", display=False)
    assert "<script" not in hostile and "javascript" not in hostile and "href" not in hostile
    assert feedback.mathml(r"\frac{", display=False).startswith("<code>")
    page = feedback.render(
        new_notebook(cells=[new_markdown_cell("Loss $L = \\frac{1}{N}$\n\n$$a^2$$")]), "t", {}, {}, {}, {}
    )
    assert page.count("<math ") == 2 and "$" not in page.split("<body>")[1]


def test_a_failing_cell_names_the_mistake_it_behaves_like():
    test = new_code_cell(
        'with case("t"):\n    check_close("a", f(), 1.0)\n    ### BEGIN HIDDEN TESTS\n'
        '    check_close("hidden: b", f(2))\n    ### END HIDDEN TESTS',
        metadata={"nbgrader": {"grade": True, "grade_id": "t", "solution": False, "points": 2}},
    )
    verdicts = {"t": {"passed": False, "messages": ["1 of 1 hidden checks failed"], "mistakes": ["no_mean"]}}
    page = feedback.render(
        new_notebook(cells=[test]),
        "t",
        {"t": 0.0},
        {"t": 2.0},
        verdicts,
        {"no_mean": ("sums over the batch instead of averaging", "divide by N")},
    )
    assert "Your code behaves like one that sums over the batch instead of averaging" in page
    assert "divide by N" in page and "hidden: b" not in page and "Test t: 0 / 2" in page


def test_the_status_page_for_what_could_not_be_graded():
    page = feedback.status_page("a: <x>", "timeout", "did not finish <b>", 0, 11)
    assert "&lt;x&gt;" in page and "&lt;b&gt;" in page and "<script" not in page.lower()
