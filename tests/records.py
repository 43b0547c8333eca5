"""Records and executed cells as a test cell leaves them, for the grader's and the assignments' tests."""

from __future__ import annotations

import base64

import numpy as np
from losslab.checks import RECORD_MIME
from losslab_grader import verdict
from nbformat.v4 import new_code_cell, new_output


def record(kind: str, label: str, **value) -> dict:
    return {"kind": kind, "label": label, **value}


def array(x) -> dict:
    a = np.asarray(x, dtype="<f8")
    return {"type": "array", "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()}


def close(label: str, x, **declared) -> dict:
    return {**record("close", label, **array(x)), "declared": declared}


def reference(records: list[dict], lines: dict[int, int] | None = None) -> list[verdict.Record]:
    """Decoded reference records; lines: index -> source line (1 by default)."""
    decoded, _ = verdict.decode_reference({"cell": records})
    for i, rec in enumerate(decoded["cell"]):
        rec.line = (lines or {}).get(i, 1)
    return decoded["cell"]


def cell(records: list[dict], error: str | None = None):
    """An executed test cell whose outputs are these records (and an error, if given)."""
    outs = [new_output("display_data", data={RECORD_MIME: r}) for r in records]
    if error:
        outs.append(new_output("error", ename=error, evalue="", traceback=[]))
    c = new_code_cell("")
    c.outputs = outs
    return c
