"""The config's value types and how `-c key=value` strings are read into them (lists, switches, empty)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from glacier_cleanup.inputs.limits import BUCKET_NAME_PATTERN
from glacier_cleanup.inputs.types import VaultName
from pydantic import BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError


def split_list(value: Any) -> Any:
    """Accept a JSON list, or a comma-separated string (how `-c key=value` delivers lists)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


def true_or_false(value: Any) -> Any:
    """The function's grammar for a switch (glacier_cleanup.inputs.settings): a JSON boolean, or the words
    true / false (how `-c key=value` delivers them). "no", "0", "off" are refused: for `dry_run`, a misread
    word would mean real aborts."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PydanticCustomError("true_or_false", "must be true or false")


def empty_to_none(value: Any) -> Any:
    return None if value in ("", "null", "none", "None") else value


VaultPattern = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-*?\[\]!]{1,255}$")]
EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")]
VaultNames = Annotated[tuple[VaultName, ...], BeforeValidator(split_list)]
VaultPatterns = Annotated[tuple[VaultPattern, ...], BeforeValidator(split_list)]
EmailAddresses = Annotated[tuple[EmailAddress, ...], BeforeValidator(split_list)]
OptionalInt = Annotated[int | None, BeforeValidator(empty_to_none)]
OptionalNumber = Annotated[float | None, BeforeValidator(empty_to_none)]
# An existing bucket for the decision records, and the KMS key that bucket encrypts with (when not S3's own).
OptionalBucketName = Annotated[str | None, BeforeValidator(empty_to_none), Field(pattern=BUCKET_NAME_PATTERN)]
OptionalKeyArn = Annotated[
    str | None,
    BeforeValidator(empty_to_none),
    Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]{1,128}$"),
]
# AWS Chatbot's ids, as its CloudFormation resources accept them: a Slack workspace (team) or channel id; a
# Microsoft Teams tenant or team id (a GUID) or channel id (URL-encoded, as the channel's link gives it).
SlackWorkspaceId = Annotated[str | None, BeforeValidator(empty_to_none), Field(pattern=r"^[0-9A-Z]{1,255}$")]
SlackChannelId = Annotated[str | None, BeforeValidator(empty_to_none), Field(pattern=r"^[A-Za-z0-9]{1,255}$")]
TeamsGuid = Annotated[
    str | None,
    BeforeValidator(empty_to_none),
    Field(pattern=r"^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$"),
]
TeamsChannelId = Annotated[
    str | None,
    BeforeValidator(empty_to_none),
    Field(pattern=r"^([a-zA-Z0-9-_=+/.,])*%3[aA]([a-zA-Z0-9-_=+/.,])*%40([a-zA-Z0-9-_=+/.,])*$"),
]
Switch = Annotated[bool, BeforeValidator(true_or_false)]
OptionalTopicArn = Annotated[
    str | None,
    BeforeValidator(empty_to_none),
    Field(pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"),
]


# The error type of a cross-field problem: it names its field in the context (loader._describe).
CONFLICT = "config_conflict"


def conflict(field: str, message: str) -> PydanticCustomError:
    """A cross-field error that still names the one field the operator has to change."""
    return PydanticCustomError(CONFLICT, "{message}", {"field": field, "message": message})
