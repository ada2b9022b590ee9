"""The terminal tool's pieces: how outcomes are printed, and the interactive parts (prompt, Ctrl-C,
progress)."""
