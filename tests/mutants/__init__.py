"""Wrong implementations of each assignment (MUTANTS), graded by tests/test_assignments.py."""
