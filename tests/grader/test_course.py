"""course: the course folder is found by configuration (an option, $LOSSLAB_COURSE, the working folder),
never by where the grader is installed."""

from __future__ import annotations

import shutil

import pytest
from grading_fixtures import ROOT
from losslab_grader.course import Course, CourseNotFound


def _copy(dst):
    for name in ("solutions", "data"):
        shutil.copytree(ROOT / name, dst / name)
    shutil.copy2(ROOT / "nbgrader_config.py", dst / "nbgrader_config.py")
    return dst


def test_found_from_an_option_the_environment_or_the_working_folder(tmp_path, monkeypatch):
    course = _copy(tmp_path / "course")
    (course / "solutions" / "02_svm_loss" / "deep").mkdir()
    assert Course.find(course).root == course
    monkeypatch.setenv("LOSSLAB_COURSE", str(course))
    assert Course.find().root == course
    monkeypatch.delenv("LOSSLAB_COURSE")
    monkeypatch.chdir(course / "solutions" / "02_svm_loss" / "deep")
    assert Course.find().root == course
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseNotFound, match="--course"):
        Course.find()
    with pytest.raises(CourseNotFound):
        Course.find(tmp_path)


def test_what_the_course_says():
    c = Course(ROOT)
    assert c.course_id == "losslab"
    assert c.cell_timeout == 60.0
    assert "02_svm_loss" in c.assignments()
    assert c.source("02_svm_loss").is_file()


def test_the_library_is_the_checkouts_or_the_installed_one(tmp_path):
    assert Course(ROOT).library == ROOT / "lib" / "losslab"
    import losslab

    assert (
        Course(_copy(tmp_path / "no-lib")).library
        == __import__("pathlib").Path(losslab.__file__).resolve().parent
    )
