"""The limits of every input, in one place: the settings, the on-demand events, the CLI and the CDK config
(infra/glacier_cleanup_cdk/config) all read them from here; tests/unit/inputs/test_limits.py proves the four
agree.

A limit is a fact about the product (a cleanup younger than an hour would abort uploads in progress) or
about AWS (Glacier's vault names), not about one entry point. Plain Python, no pydantic: the terminal
tool's parser reads them, and `--help` must start fast (the pydantic types are in inputs/types.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from glacier_cleanup.core import activity


@dataclass(frozen=True, slots=True)
class Bounds:
    """An inclusive range; `high` None means unbounded above."""

    low: float
    high: float | None = None

    @property
    def field(self) -> dict[str, Any]:
        """The range as pydantic Field keywords (ge/le)."""
        return {"ge": self.low} if self.high is None else {"ge": self.low, "le": self.high}

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        return self.low <= value and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        """`1-64`, or `>= 0` when unbounded: how the error messages name the allowed values."""
        return f">= {_number(self.low)}" if self.high is None else f"{_number(self.low)}-{_number(self.high)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# Younger uploads may well be in progress: never abort them. 10 years is the ceiling.
OLDER_THAN_HOURS = Bounds(1, 87_600)
DEFAULT_OLDER_THAN_HOURS = 168.0
# Parallel Glacier calls of one run; the client's connection pool is sized from it.
CONCURRENCY = Bounds(1, 64)
DEFAULT_CONCURRENCY = 16
# botocore's total attempts per call (the first one included).
MAX_ATTEMPTS = Bounds(1, 20)
DEFAULT_MAX_ATTEMPTS = 10
# A hard cap on Glacier requests per second, per account and region (a run's client); none by default.
MAX_REQUESTS_PER_SECOND = Bounds(1, 10_000)
# The time budget keeps this many seconds in reserve before the function's timeout.
TIME_MARGIN_SECONDS = Bounds(1)
DEFAULT_TIME_MARGIN_SECONDS = 30.0
# A per-run cap on aborts; an on-demand event's cap above a million is a typo, not a cap.
MAX_ABORTS = Bounds(0)
MAX_ABORTS_PER_REQUEST = Bounds(0, 1_000_000)

# The activity check's idle time: never below Glacier's own 24 h (core/activity.py), at most a year.
IDLE_HOURS = Bounds(24, 8760)
DEFAULT_IDLE_HOURS = activity.DEFAULT_IDLE_HOURS
# Glacier vault storage, USD per GB-month: the default is US East (N. Virginia)'s (docs/operations.md).
STORAGE_PRICE = Bounds(0, 1)
DEFAULT_STORAGE_PRICE_PER_GB_MONTH = 0.0036
# DynamoDB table names: 3-255 of a-z, A-Z, 0-9, '_', '-', '.'.
TABLE_NAME_PATTERN = r"^[A-Za-z0-9_.-]{3,255}$"
# An S3 bucket name (3-63 lowercase letters, digits, dots and hyphens; a letter or digit at each end).
BUCKET_NAME_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"

RetryMode = Literal["standard", "adaptive"]
RETRY_MODES: tuple[RetryMode, ...] = ("standard", "adaptive")

# Glacier's vault names: 1-255 characters of a-z, A-Z, 0-9, '_', '-', '.'.
VAULT_NAME_PATTERN = r"^[a-zA-Z0-9_.-]{1,255}$"
# The account Glacier's calls name: '-' (the credentials' own) or 12 digits.
GLACIER_ACCOUNT_ID_PATTERN = r"^(-|\d{12})$"
ACCOUNT_ID_PATTERN = r"^\d{12}$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$"
# Organizations' root (r-...) and organizational unit (ou-...) ids.
PARENT_ID_PATTERN = r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$"
# IAM role names: up to 64 of letters, digits and +=,.@_-.
ROLE_NAME_PATTERN = r"^[\w+=,.@-]{1,64}$"
