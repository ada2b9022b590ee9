"""Typed deployment config: the `glacier-cleanup` context key, validated before any resource is built.

Shape (cdk.json `context`)::

    "glacier-cleanup": {
      "defaults": {<setting>: <value>, ...},
      "targets": [{"name": "prod-eu", "account": "111111111111", "region": "eu-west-1", <setting>: ...}],
      "organization": {"hub_account": ..., "hub_region": ..., "organization_id": "o-...",
                       "organizational_units": ["r-..."], "regions": [...] | "all", <setting>: ...}
    }

The organization block (docs/organization.md) holds the fan-out keys (`FanOut`) and any run setting, over
`defaults` like a target's; targets and an organization can coexist. `-c glacier-cleanup:organization:<key>=`
overrides one of its keys.

A target's own settings override `defaults`; with no targets there is one target named `default` in
CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION. Single values can be overridden on the command line
(values are strings; they are coerced like the JSON ones, lists may be comma-separated):

    -c glacier-cleanup:<setting>=<value>            the defaults layer (a target's own value still wins)
    -c glacier-cleanup:<target>:<setting>=<value>   one target
    -c glacier-cleanup:config_file=<path.json>      replace the whole cdk.json block with a JSON file

The package is split by concern: `schema` (the settings and their cross-field rules), `aws_limits` (AWS's
own limits on them), `fields` (value types and how `-c` strings are read), `loader` (the block, overrides,
merging and the error message). The names below are what the app, the constructs and the tests import.
"""

from .aws_limits import LOG_RETENTION_DAYS
from .loader import CONFIG_FILE_KEY, CONTEXT_KEY, DEFAULT_TARGET_NAME, ConfigError, load_config
from .schema import (
    ALL_REGIONS,
    LAYER_SOURCES,
    AppConfig,
    CleanupSettings,
    FanOut,
    OrganizationConfig,
    TargetConfig,
    TargetIdentity,
)

__all__ = [
    "ALL_REGIONS",
    "CONFIG_FILE_KEY",
    "CONTEXT_KEY",
    "DEFAULT_TARGET_NAME",
    "LAYER_SOURCES",
    "LOG_RETENTION_DAYS",
    "AppConfig",
    "CleanupSettings",
    "ConfigError",
    "FanOut",
    "OrganizationConfig",
    "TargetConfig",
    "TargetIdentity",
    "load_config",
]
