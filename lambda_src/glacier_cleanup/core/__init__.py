"""The domain: plain Python, no Lambda, boto3 or pydantic types.

It imports nothing from aws/, inputs/, terminal/ or the entry points (tests/unit/test_layout.py).
"""
