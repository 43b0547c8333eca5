"""losslab_grader: the instructor's package. The course library students import is ``losslab``.

The grader, ``losslab-grade`` (``make grade``), one module per phase of a run:

    cli          the command line; every default comes from model.Settings
    batch        the coordinator: collect, prepare, run the tasks (local pool or cluster), write
    collect      find each student's notebook in a submissions folder, trusting nothing in it
    course       the course folder (solutions, data, library, nbgrader config), by configuration
    model        the typed data between phases: Settings, Assignment, Bundle, TaskResult, GradeRow, Outcome
    workspace    the assignment generated once, the jail's library and data, packed for other machines
    worker       the grading processes, each one's state (WorkerState) and its tasks: record, grade one
    child        one task in a forked child under a deadline and a memory cap, returning plain data
    submission   a submission as hostile input: bytes read safely, parsed with bounds, cells restored
    autograde    what the grader plugs into nbgrader's autograde: jailed kernel, caps, test rewriting, verdict
    sandbox      the bubblewrap jail of every kernel
    limits       memory and process limits for a whole submission (cgroup v1/v2, or a watchdog)
    testcells    test cells as they run at grading: expected values removed
    verdict      decoding and comparing records: the verdict of a test cell, decided here
    mistakes     the course's catalogue of known mistakes (solutions/NAME/mistakes.py)
    outputs      grades.csv, mistakes.csv, the nbgrader gradebook, the summary
    report       report.html: the class at a glance, what it got wrong, what looks copied
    feedback     each student's feedback page (no script, no hidden test, no kernel output)
    cluster      the same tasks on a Dask cluster, over mutual TLS
    similarity   submissions that look copied (copydetect), from each other or from the course

The other flows, each a module with its console command (or make target):

    release      losslab-release: assignments/ generated from solutions/ by nbgrader
    bundle       losslab-student-bundle: the student's download, without the instructor's side
    site         losslab-site: the reader's static site from the lectures
    demo         losslab-grade-demo: a made class to try the grader on
    classroom    losslab-classroom: JupyterHub for a roster, graded with the above (its own map)
    makeargs     the make targets' ARGS="…", split into words (never shell text)
    leftovers    folders that must not outlive their run, and removing those a killed run left

Grades are decided in the grader's own process from plain data: see verdict and
autograde, and README's "How grades are decided".
"""

import sys

# nbformat imports jsonschema, which compiles some 40 lark grammars for the IRI
# string formats when the optional rfc3987_syntax is installed (jupyter-events
# pulls it in): 0.86 s of every grading run, for formats no notebook uses.
# Marking it absent makes jsonschema skip those two format checks.
sys.modules.setdefault("rfc3987_syntax", None)
