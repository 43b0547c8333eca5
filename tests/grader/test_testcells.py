"""testcells: a test cell as it runs at grading keeps no expected value, tolerance, hint or message."""

from losslab_grader import testcells

SOURCE = (
    'with case("t"):\n'
    '    check_close("cat", loss, 2.9, rtol=1e-3, hint="3.9 means ...")\n'
    '    check_shape("s", dW, (3, 4), hint="h")\n'
    '    check_true("scalar", np.ndim(x) == 0, "must be a scalar", hint="h")\n'
    '    check_raises("bad", ValueError, f, 1, hint="h", axis=0)\n'
    "    ### BEGIN HIDDEN TESTS\n"
    '    check_close("hidden: big", g(7))\n'
    "    ### END HIDDEN TESTS\n"
)


def test_grading_source_keeps_no_expected_value():
    out = testcells.grading_source(SOURCE)
    for secret in ("2.9", "1e-3", "3.9", "(3, 4)", "must be", "ValueError", "hint"):
        assert secret not in out, secret
    assert "check_raises('bad', None, f, 1, axis=0)" in out
    assert "check_close('hidden: big', g(7))" in out


def test_hidden_regions():
    assert testcells.hidden_lines(SOURCE) == {6, 7, 8}
    visible = testcells.visible_source(SOURCE)
    assert "hidden: big" not in visible and "# hidden tests run here at grading" in visible


def test_test_cells_are_graded_code_cells_without_solutions():
    assert testcells.is_test_cell({"cell_type": "code", "metadata": {"nbgrader": {"grade": True}}})
    assert not testcells.is_test_cell(
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "solution": True}}}
    )
    assert not testcells.is_test_cell({"cell_type": "markdown", "metadata": {"nbgrader": {"grade": True}}})
    assert testcells.meta({"metadata": {"nbgrader": "not a dict"}}) == {}
