"""Cleanup of stale Amazon Glacier multipart uploads (the Lambda asset)."""
