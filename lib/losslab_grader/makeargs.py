"""``python -m losslab_grader.makeargs CMD...``: CMD with the words make was given in ARGS.

The Makefile exports ``ARGS`` unexpanded as $LOSSLAB_MAKE_ARGS, and this splits it into words
as a shell would (quotes group words; ``~`` is the home folder) but runs nothing through a
shell: ``make grade ARGS='02_svm_loss "my class" --jobs 4'`` runs ``losslab-grade`` with exactly
those three arguments, and text like ``$(rm -rf ~)`` or ``; reboot`` in ARGS is only text.
"""

from __future__ import annotations

import os
import shlex
import sys


def words(text: str) -> list[str]:
    return [os.path.expanduser(w) for w in shlex.split(text)]


def main(argv: list[str] | None = None) -> int:
    cmd = argv if argv is not None else sys.argv[1:]
    if not cmd:
        print("usage: python -m losslab_grader.makeargs CMD [ARG...]", file=sys.stderr)
        return 2
    try:
        extra = words(os.environ.get("LOSSLAB_MAKE_ARGS", ""))
    except ValueError as exc:  # an unbalanced quote
        print(f"ARGS: {exc}", file=sys.stderr)
        return 2
    os.execvp(cmd[0], [*cmd, *extra])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
