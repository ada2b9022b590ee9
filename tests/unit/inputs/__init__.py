"""Tests of glacier_cleanup/inputs/: one file per module."""
