"""Typed inputs: the settings from the environment and the events the functions accept.

The limits they share with the CLI and the CDK config live in limits.py.
"""
