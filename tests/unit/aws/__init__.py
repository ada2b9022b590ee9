"""Tests of glacier_cleanup/aws/: one file per module."""
