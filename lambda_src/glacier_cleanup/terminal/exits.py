"""The terminal tool's exit statuses (glacier_cleanup.cli's docstring says what each means)."""

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
