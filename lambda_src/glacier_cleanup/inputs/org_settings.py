"""The organization mode's settings (the planner and summary functions): environment variables validated
once, like glacier_cleanup.inputs.settings; an invalid value raises `SettingsError` naming the variable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from glacier_cleanup.inputs.limits import (
    ACCOUNT_ID_PATTERN,
    BUCKET_NAME_PATTERN,
    PARENT_ID_PATTERN,
    REGION_PATTERN,
)
from glacier_cleanup.inputs.settings import split_list, validate_environ

ORG_SETTINGS_PREFIX = "CLEANUP_ORG_"
ALL_REGIONS = "all"


def _all_regions(value: object) -> object:
    return () if isinstance(value, str) and value.strip() == ALL_REGIONS else split_list(value)


ParentIds = Annotated[
    tuple[Annotated[str, StringConstraints(pattern=PARENT_ID_PATTERN)], ...],
    BeforeValidator(split_list),
]
AccountIds = Annotated[
    tuple[Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)], ...],
    BeforeValidator(split_list),
]
Regions = Annotated[
    tuple[Annotated[str, StringConstraints(pattern=REGION_PATTERN)], ...], BeforeValidator(_all_regions)
]


class OrganizationSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    parent_ids: ParentIds = Field(
        alias="CLEANUP_ORG_PARENT_IDS",
        min_length=1,
        description="comma-separated root (r-...) or OU (ou-...) ids; nested OUs are included",
    )
    regions: Regions = Field(
        default=(),
        alias="CLEANUP_ORG_REGIONS",
        description="comma-separated region names, or 'all' for every region where Glacier exists",
    )
    exclude_accounts: AccountIds = Field(
        default=(), alias="CLEANUP_ORG_EXCLUDE_ACCOUNTS", description="comma-separated 12-digit account ids"
    )
    results_bucket: str = Field(
        alias="CLEANUP_ORG_RESULTS_BUCKET",
        pattern=BUCKET_NAME_PATTERN,
        description="the results bucket's name",
    )
    records_bucket: str | None = Field(
        default=None,
        alias="CLEANUP_ORG_RECORDS_BUCKET",
        pattern=BUCKET_NAME_PATTERN,
        description="the hub's decision-records bucket, named in the run summary (empty: none)",
    )
    summary_always: bool = Field(
        default=False,
        alias="CLEANUP_ORG_SUMMARY_ALWAYS",
        description="true or false (false: the run summary is sent only when something happened or is due)",
    )
    name: str = Field(
        default="organization",
        alias="CLEANUP_ORG_NAME",
        pattern=r"^[A-Za-z][A-Za-z0-9\-]{0,63}$",
        description="the `target` metric dimension of the organization's totals",
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        return validate_environ(cls, environ, prefix=ORG_SETTINGS_PREFIX)
