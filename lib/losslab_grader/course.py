"""The course being graded, found by configuration rather than by where the grader is installed.

A course folder is a checkout of this repository, or any folder laid out like
one: ``nbgrader_config.py`` and ``solutions/<name>/<name>.ipynb`` (with the
optional ``mistakes.py`` catalogue), ``data/``, and the course library either
in ``lib/losslab`` or installed (``import losslab``). The grader is told the
folder (``--course``, or ``$LOSSLAB_COURSE``), and otherwise takes the folder
it is run from or the nearest one above it, as git does, so it works the same
installed editable, as a wheel, or on a cluster worker that has no checkout.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

#: The environment variable that names the course folder.
ENV = "LOSSLAB_COURSE"
# NN_name, or NNx_name for a lecture in parts (04a_softmax, 04b_cross_entropy); a glob cannot
# say "one optional letter", so Course.lectures keeps only the names LECTURE_NAME matches.
DEFAULT_PATTERN = "notebooks/[0-9][0-9]*_*.ipynb"
LECTURE_NAME = re.compile(r"[0-9][0-9][a-z]?_[A-Za-z0-9_]+\.ipynb")


class CourseNotFound(RuntimeError):
    """No course folder where the grader looked; the message says where and what is missing."""


@dataclass(frozen=True)
class Course:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def find(cls, folder: str | Path | None = None) -> Course:
        """The course at folder, or at $LOSSLAB_COURSE, or at the working folder or one above it."""
        given = folder or os.environ.get(ENV)
        if given:
            root = Path(given).resolve()
            if not cls._is_course(root):
                raise CourseNotFound(f"{root} is not a course folder (no nbgrader_config.py and solutions/)")
            return cls(root)
        here = Path.cwd().resolve()
        for candidate in (here, *here.parents):
            if cls._is_course(candidate):
                return cls(candidate)
        raise CourseNotFound(
            f"no course folder at or above {here}: run from a checkout of the course, or give "
            f"--course DIR (or ${ENV})"
        )

    @staticmethod
    def _is_course(path: Path) -> bool:
        return (path / "nbgrader_config.py").is_file() and (path / "solutions").is_dir()

    # --- where things are ---------------------------------------------------------------------------
    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    def source(self, assignment: str) -> Path:
        return self.solutions / assignment / f"{assignment}.ipynb"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def grading(self) -> Path:
        """Where grading output goes by default (git ignores it)."""
        return self.root / "grading"

    @property
    def reference_cache(self) -> Path:
        return self.grading / ".reference-cache"

    @cached_property
    def library(self) -> Path:
        """The course library's package folder: the checkout's lib/losslab, else the installed one."""
        local = self.root / "lib" / "losslab"
        if (local / "__init__.py").is_file():
            return local
        import losslab

        return Path(losslab.__file__).resolve().parent

    def assignments(self) -> list[str]:
        return sorted(p.parent.name for p in self.solutions.glob("*/*.ipynb") if p.stem == p.parent.name)

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def releases(self) -> Path:
        """assignments/: the student release, generated from solutions/."""
        return self.root / "assignments"

    @property
    def site_config(self) -> Path:
        """site/: conf.py and anything else Sphinx reads as is."""
        return self.root / "site"

    def lectures(self, pattern: str = DEFAULT_PATTERN) -> list[Path]:
        """The lectures matching pattern (relative to the course, or absolute), sorted.

        Only names like NN_name.ipynb or NNx_name.ipynb count: the broad default glob would
        otherwise also take, say, a JupyterLab copy 04a_softmax-Copy1.ipynb.
        """
        paths = (Path(p) for p in glob.glob(str(self.root / pattern)))
        return sorted(p for p in paths if LECTURE_NAME.fullmatch(p.name))

    def assignment_for(self, stem: str) -> Path | None:
        """The released assignment notebook of the lecture stem, if there is one.

        Assignments are numbered like the lectures, NN_name/NN_name.ipynb. Both parts of a split
        lecture (04a_softmax, 04b_cross_entropy) get assignment 04, which covers the two.
        """
        number = re.match(r"[0-9][0-9]", stem)
        if number is None:
            return None
        found = [folder / f"{folder.name}.ipynb" for folder in sorted(self.releases.glob(f"{number[0]}_*"))]
        found = [path for path in found if path.is_file()]
        return found[0] if found else None

    # --- nbgrader's view --------------------------------------------------------------------------
    @cached_property
    def config(self) -> Config:
        """The course's nbgrader_config.py, as nbgrader loads it."""
        return PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()

    @property
    def course_id(self) -> str:
        cd = self.config.CourseDirectory
        return cd.course_id if "course_id" in cd else "default_course"

    @property
    def cell_timeout(self) -> float:
        """Seconds per cell the course's configuration promises (nbgrader's Execute.timeout; 30 unset)."""
        execute = self.config.Execute
        return float(execute.timeout) if "timeout" in execute and execute.timeout else 30.0
