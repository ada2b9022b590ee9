"""CDK infrastructure for the Glacier multipart cleanup: one construct per concern and a thin stack."""
