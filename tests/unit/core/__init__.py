"""Tests of glacier_cleanup/core/: one file per module."""
