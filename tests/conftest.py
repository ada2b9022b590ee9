"""Shared pytest configuration: the Glacier emulator fixtures (glacier, glacier_in_process, ...)."""

pytest_plugins = ["glacier_emulator.pytest_plugin"]
