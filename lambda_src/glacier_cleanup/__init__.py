"""Cleanup of stale Amazon Glacier multipart uploads (the Lambda asset)."""

# The one source of the version: the package metadata (pyproject.toml reads it), `glacier-cleanup --version`,
# the user agent of every AWS call, and the CDK stacks' `glacier-cleanup:version` tag.
__version__ = "0.1.0"
