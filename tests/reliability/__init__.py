"""Reliability drills (issue 6): invariants after every run under faults, races and bad input."""
