"""The catalogue of known mistakes: course data the grader reads, on the instructor's side only.

Each assignment may have ``solutions/<name>/mistakes.py``: wrong implementations
students are known to write, each with a name, what it does wrong (the title
the report and the feedback use), the hint the visible checks already give for
it, and the test cells it must lose. The file never reaches a student: nbgrader
does not release it (``CourseDirectory.ignore``), the grading jail and the
student bundle do not hold ``solutions/``, and the classroom's student
environment holds the course library only.

Adding a mistake is writing the wrong function, decorated::

    from losslab_grader.mistakes import Catalogue

    catalogue = Catalogue()

    @catalogue.mistake("naive_sum_not_mean", "sums the loss over the batch instead of averaging",
                       hint="10.19 is the sum over the batch: divide by N",
                       fails=["test_svm_naive_loss", "test_svm_naive_grad"])
    def svm_loss_naive(W, X, y, reg, delta=1.0):
        ...

The function's name is the solution cell it replaces (the course names each
solution cell after its function). Near-copies are better made from one
template with :meth:`Catalogue.add`, which takes the source as text.
``losslab-grade --check-mistakes NAME`` grades the catalogue and says whether
every entry loses exactly its cells and can be told apart from the solution
and from every other entry.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

#: The file, inside an assignment's folder of solutions/, that holds its catalogue.
FILENAME = "mistakes.py"


@dataclass(frozen=True)
class Mistake:
    """One known wrong implementation of one solution cell."""

    name: str  # an identifier: the report's and the CSV's key
    title: str  # what the code does wrong, completing "your code behaves like one that ..."
    hint: str  # what to do about it, as the visible checks say it
    cell: str  # the grade_id of the solution cell it replaces (the function's name)
    source: str  # the wrong function's source
    fails: tuple[str, ...]  # the test cells it must lose, and no other
    shows: str = ""  # a regex the first visible failure matches when a student makes this mistake

    def apply(self, cell_source: str) -> str:
        """The solution cell's source with this mistake's function in place of the right one."""
        tree = ast.parse(cell_source)
        lines = cell_source.splitlines()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == self.cell:
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                end = node.end_lineno
                while end < len(lines) and lines[end][:1].isspace() and lines[end].lstrip().startswith("#"):
                    end += 1  # the function's trailing comments (### END SOLUTION) go with it
                wrong = self.source.rstrip("\n").splitlines()
                return "\n".join(lines[: start - 1] + wrong + lines[end:])
        return self.source


class Catalogue:
    """The mistakes of one assignment, in the order they were written."""

    def __init__(self) -> None:
        self.entries: list[Mistake] = []

    def add(self, name: str, title: str, *, hint: str, fails: Iterable[str], source: str,
            shows: str = "") -> Mistake:  # fmt: skip
        """Add a mistake given as source text (e.g. made from a template); return it."""
        source = textwrap.dedent(source).strip("\n") + "\n"
        defs = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
        if len(defs) != 1:
            raise ValueError(f"mistake {name}: the source must define exactly one function, not {defs}")
        if name in {m.name for m in self.entries}:
            raise ValueError(f"mistake {name}: the name is used twice")
        entry = Mistake(name, title, hint, defs[0], source, tuple(fails), shows)
        self.entries.append(entry)
        return entry

    def mistake(self, name: str, title: str, *, hint: str, fails: Iterable[str],
                shows: str = "") -> Callable[[Callable], Mistake]:  # fmt: skip
        """Decorate a wrong function: it becomes a Mistake of this catalogue."""

        def register(fn: Callable) -> Mistake:
            source = textwrap.dedent(inspect.getsource(fn))
            node = ast.parse(source).body[0]
            body = source.splitlines()[node.lineno - 1 : node.end_lineno]  # without the decorator
            return self.add(name, title, hint=hint, fails=fails, source="\n".join(body), shows=shows)

        return register


def catalogue_path(solutions: Path, assignment: str) -> Path:
    return Path(solutions) / assignment / FILENAME


def load(path: Path) -> list[Mistake]:
    """The mistakes the catalogue file at path defines ([] when there is no such file).

    The file is the instructor's own code, run in the instructor's process, never a student's.
    """
    path = Path(path)
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"losslab_mistakes_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = getattr(module, "catalogue", None)
    if not isinstance(found, Catalogue):
        raise ValueError(f"{path}: defines no `catalogue = Catalogue()`")
    return list(found.entries)
