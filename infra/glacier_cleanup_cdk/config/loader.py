"""Loading the config: the `glacier-cleanup` context block (or a JSON file), `-c` overrides, defaults merged
into each target, and one error that lists every problem by target and field."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import json_types
from .fields import CONFLICT
from .schema import (
    AppConfig,
    CleanupSettings,
    FanOut,
    OrganizationConfig,
    TargetConfig,
    TargetIdentity,
)

CONTEXT_KEY = "glacier-cleanup"
CONFIG_FILE_KEY = "config_file"
DEFAULT_TARGET_NAME = "default"


class ConfigError(ValueError):
    """The deployment config is invalid; the message names every target and field at fault."""


class _RawConfig(BaseModel):
    """The block's outer shape; settings stay raw until merged per target."""

    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, Any] = Field(default_factory=dict)
    targets: list[dict[str, Any]] = Field(default_factory=list)
    organization: dict[str, Any] | None = None


_IDENTITY_KEYS = frozenset(TargetIdentity.model_fields)


def load_config(
    context: Mapping[str, Any],
    *,
    default_account: str | None = None,
    default_region: str | None = None,
) -> AppConfig:
    """Validate the `glacier-cleanup` block (plus `-c` overrides) from the app's context.

    `context` is the app's full context (App.node.get_all_context()). Raises ConfigError with one message
    listing every problem, each naming the target (or `defaults`) and the field.
    """
    problems: list[str] = []
    raw_block = _read_block(context, problems)
    defaults_overrides, target_overrides = _cli_overrides(context)
    if problems:
        raise ConfigError(_format(problems))
    try:
        raw = _RawConfig.model_validate(raw_block)
    except ValidationError as exc:
        raise ConfigError(_format(_describe(exc, scope=CONTEXT_KEY))) from exc

    defaults = {**raw.defaults, **defaults_overrides}
    try:
        CleanupSettings.model_validate(defaults)
    except ValidationError as exc:
        # Every target inherits these values: report a bad value once, under `defaults`. A cross-field
        # conflict may be resolved by a target's own values, so those are reported per target.
        if any(error["type"] != CONFLICT for error in exc.errors()):
            raise ConfigError(_format(_describe(exc, scope="defaults"))) from exc

    organization = None
    if raw.organization is not None:
        overrides = target_overrides.pop("organization", {})
        organization = _build_organization({**raw.organization, **overrides}, defaults, problems)
    # With only an organization, no implicit `default` target: the app is the hub (and member) stacks.
    implicit = not raw.targets and raw.organization is None
    raw_targets = raw.targets or (
        [{"name": DEFAULT_TARGET_NAME, "account": default_account, "region": default_region}]
        if implicit
        else []
    )
    names = [str(entry.get("name", f"#{index}")) for index, entry in enumerate(raw_targets)]
    for unknown in sorted(set(target_overrides) - set(names)):
        for setting in sorted(target_overrides[unknown]):
            problems.append(f"-c {CONTEXT_KEY}:{unknown}:{setting}: no target named {unknown!r}")

    targets: list[TargetConfig] = []
    for name, entry in zip(names, raw_targets, strict=True):
        merged = {**entry, **target_overrides.get(name, {})}
        target = _build_target(name, merged, defaults, problems, implicit=implicit)
        if target is not None:
            targets.append(target)
    problems.extend(_cross_target_problems(names, targets))
    if problems:
        raise ConfigError(_format(problems))
    return AppConfig(targets=tuple(targets), organization=organization)


_FAN_OUT_KEYS = frozenset(FanOut.model_fields)


def _build_organization(
    entry: Mapping[str, Any], defaults: Mapping[str, Any], problems: list[str]
) -> OrganizationConfig | None:
    """The `organization` block: its fan-out keys, and run settings over `defaults` like a target's."""
    scope = "organization"
    found = len(problems)
    fan_out = settings = None
    try:
        fan_out = FanOut.model_validate({k: v for k, v in entry.items() if k in _FAN_OUT_KEYS})
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    try:
        own = {k: v for k, v in entry.items() if k not in _FAN_OUT_KEYS}
        settings = CleanupSettings.model_validate({**defaults, **own})
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    if len(problems) > found or fan_out is None or settings is None:
        return None
    if settings.glacier_account_id != "-":
        problems.append(f"{scope}, field 'glacier_account_id': must be '-' (each member's own account)")
        return None
    return OrganizationConfig(fan_out=fan_out, settings=settings)


def _read_block(context: Mapping[str, Any], problems: list[str]) -> Any:
    config_file = context.get(f"{CONTEXT_KEY}:{CONFIG_FILE_KEY}")
    if config_file is None:
        block = context.get(CONTEXT_KEY, {})
        if not isinstance(block, str):
            return block
        try:  # `-c glacier-cleanup='{...}'` arrives as a JSON string
            return json.loads(block)
        except json.JSONDecodeError as exc:
            problems.append(f"{CONTEXT_KEY}: not JSON: {exc}")
            return {}
    try:
        return json.loads(Path(str(config_file)).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        problems.append(f"{CONFIG_FILE_KEY} {config_file!r}: {exc}")
        return {}


# Every key a `-c` override may name, with its declaration (for reading its text as the field's JSON type).
_OVERRIDABLE = {**TargetIdentity.model_fields, **FanOut.model_fields, **CleanupSettings.model_fields}


def _cli_overrides(context: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Split `glacier-cleanup:<setting>` and `glacier-cleanup:<target>:<setting>` context keys; their text
    values are read as the fields' JSON types (json_types.from_text)."""
    defaults: dict[str, Any] = {}
    per_target: dict[str, dict[str, Any]] = {}
    prefix = f"{CONTEXT_KEY}:"
    for key, value in context.items():
        if not key.startswith(prefix) or key == f"{prefix}{CONFIG_FILE_KEY}":
            continue
        parts = key[len(prefix) :].split(":")
        typed = json_types.from_text(_OVERRIDABLE.get(parts[-1]), value)
        if len(parts) == 1:
            defaults[parts[0]] = typed
        else:
            target, setting = parts[0], ":".join(parts[1:])
            per_target.setdefault(target, {})[setting] = typed
    return defaults, per_target


def _build_target(
    name: str,
    entry: Mapping[str, Any],
    defaults: Mapping[str, Any],
    problems: list[str],
    *,
    implicit: bool,
) -> TargetConfig | None:
    scope = f"target {name!r}"
    found = len(problems)
    identity_values = {key: value for key, value in entry.items() if key in _IDENTITY_KEYS}
    setting_values = {key: value for key, value in entry.items() if key not in _IDENTITY_KEYS}
    if not implicit:
        problems.extend(
            f"{scope}, field {key!r}: required for a configured target"
            for key in ("account", "region")
            if identity_values.get(key) is None
        )
    identity = settings = None
    try:
        identity = TargetIdentity.model_validate(identity_values)
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    try:
        settings = CleanupSettings.model_validate({**defaults, **setting_values})
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    if len(problems) > found or identity is None or settings is None:
        return None
    return TargetConfig(identity=identity, settings=settings)


def _cross_target_problems(names: Sequence[str], targets: Sequence[TargetConfig]) -> list[str]:
    problems = [
        f"target {name!r}, field 'name': duplicate target name"
        for name in sorted({name for name in names if names.count(name) > 1})
    ]
    registry_owners: dict[tuple[str | None, str | None], str] = {}
    for target in targets:
        if not target.settings.test_events or target.settings.test_event_registry != "create":
            continue
        place = (target.identity.account, target.identity.region)
        if place in registry_owners:
            problems.append(
                f"target {target.identity.name!r}, field 'test_event_registry': target "
                f"{registry_owners[place]!r} already creates the registry in {place[0]}/{place[1]}"
            )
        registry_owners.setdefault(place, target.identity.name)
    return problems


def _describe(exc: ValidationError, *, scope: str) -> list[str]:
    lines = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"])
        got = f" (got {error['input']!r})"
        if not location:  # a model-level conflict names its field in the context
            location = str((error.get("ctx") or {}).get("field", "?"))
            given = error["input"] if isinstance(error["input"], dict) else {}
            got = f" (got {given[location]!r})" if location in given else ""
        if error["type"] == "extra_forbidden":
            lines.append(f"{scope}, field {location!r}: unknown key")
        else:
            lines.append(f"{scope}, field {location!r}: {error['msg']}{got}")
    return lines


def _format(problems: Sequence[str]) -> str:
    return f"invalid {CONTEXT_KEY} config: " + "; ".join(problems)
