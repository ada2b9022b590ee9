"""A local Amazon Glacier: moto, extended from outside with the multipart-upload API."""
