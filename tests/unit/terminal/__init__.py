"""Tests of glacier_cleanup/terminal/: one file per module."""
