"""Sizes for people: the terminal tool's listing and the run summary write bytes the same way."""


def human_bytes(count: int) -> str:
    """1536 -> "1.5 KiB": binary units, one decimal."""
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
