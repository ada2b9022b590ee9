"""The adapters: the only code that imports boto3 or botocore.

Glacier, the client's pacing, role assumption, the caller's identity, Organizations and the results bucket.
"""
