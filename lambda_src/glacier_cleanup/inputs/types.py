"""pydantic types built from the limits (inputs/limits.py): the settings, events and CDK config use them."""

from typing import Annotated

from pydantic import StringConstraints

from glacier_cleanup.inputs.limits import VAULT_NAME_PATTERN

VaultName = Annotated[str, StringConstraints(pattern=VAULT_NAME_PATTERN)]
