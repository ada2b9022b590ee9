"""STS AssumeRole that honours the role's trust policy, as AWS does.

moto's AssumeRole hands out credentials for any role ARN, existing or not, so "a member account whose
role is missing" could never be tested. ``TrustCheckingTokenResponse`` (moto's STS response, extended
from outside like the Glacier one) first checks that the role exists in the target account and that its
trust policy allows the caller:

- Principal ``"*"``, the caller's account (``"123456789012"`` or ``arn:aws:iam::123456789012:root``), the
  caller's role ARN (for assumed-role sessions) or the caller's user ARN;
- Conditions ``StringEquals``/``StringLike``/``ArnEquals``/``ArnLike`` on ``aws:PrincipalOrgID`` (the
  caller account's organization in moto's Organizations), ``aws:PrincipalAccount`` and ``aws:PrincipalArn``.
  Any other condition is not evaluated and fails closed (no access), so a template that relies on one
  shows up here instead of passing silently.
- An explicit Deny that matches wins.

Not modelled: the caller's own identity policy (IAM allows sts:AssumeRole in AWS only when that policy
allows it too; the CDK tests assert it), session policies, external ids, SCPs.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any
from urllib.parse import unquote

from moto.core.exceptions import AccessDeniedError
from moto.iam.models import iam_backends
from moto.organizations.models import organizations_backends
from moto.sts import urls as sts_urls
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def organization_of(account_id: str) -> str | None:
    """The id of the organization the account belongs to in moto's Organizations, if any."""
    for account_backends in list(organizations_backends.values()):
        for backend in list(account_backends.values()):
            org = getattr(backend, "org", None)
            if org is not None and any(account.id == account_id for account in backend.accounts):
                return str(org.id)
    return None


class Caller:
    """Who is calling: account, the principal ARNs that name it, and its organization."""

    def __init__(self, account_id: str, arn: str, role_arn: str | None) -> None:
        self.account_id = account_id
        self.arn = arn
        self.role_arn = role_arn

    def names(self, partition: str) -> set[str]:
        names = {"*", self.account_id, f"arn:{partition}:iam::{self.account_id}:root", self.arn}
        if self.role_arn:
            names.add(self.role_arn)
        return names

    def condition_value(self, key: str) -> str | None:
        key = key.lower()
        if key == "aws:principalorgid":
            return organization_of(self.account_id)
        if key == "aws:principalaccount":
            return self.account_id
        if key == "aws:principalarn":
            return self.role_arn or self.arn
        return None


_OPERATORS = {"stringequals", "stringlike", "arnequals", "arnlike"}


def _conditions_hold(conditions: dict[str, Any], caller: Caller) -> bool:
    for operator, tests in conditions.items():
        if operator.lower() not in _OPERATORS:
            return False
        for key, expected in tests.items():
            actual = caller.condition_value(key)
            if actual is None:
                return False
            wildcard = operator.lower().endswith("like")
            if not any(
                fnmatch.fnmatchcase(actual, str(value)) if wildcard else actual == str(value)
                for value in _as_list(expected)
            ):
                return False
    return True


def _statement_matches(statement: dict[str, Any], caller: Caller, partition: str) -> bool:
    actions = {str(action).lower() for action in _as_list(statement.get("Action", []))}
    if not actions & {"sts:assumerole", "sts:*", "*"}:
        return False
    principal = statement.get("Principal", {})
    named = (
        {"*"}
        if principal == "*"
        else {str(name) for name in _as_list(principal.get("AWS", [])) if isinstance(principal, dict)}
    )
    if not named & caller.names(partition):
        return False
    return _conditions_hold(statement.get("Condition", {}), caller)


def trust_allows(policy_document: str, caller: Caller, partition: str = "aws") -> bool:
    document = json.loads(unquote(policy_document)) if policy_document else {}
    statements = _as_list(document.get("Statement", []))
    matching = [s for s in statements if _statement_matches(s, caller, partition)]
    if any(s.get("Effect") == "Deny" for s in matching):
        return False
    return any(s.get("Effect") == "Allow" for s in matching)


class TrustCheckingTokenResponse(TokenResponse):
    """moto's STS, with AssumeRole checked against the target role's trust policy."""

    def assume_role(self) -> Any:
        role_arn: str = self._get_param("RoleArn") or ""
        caller = self._caller()
        parts = role_arn.split(":")
        if len(parts) < 6 or not parts[5].startswith("role/"):
            raise AccessDeniedError(caller.arn, f"sts:AssumeRole on resource: {role_arn}")
        partition, account_id, role_name = parts[1], parts[4], parts[5].rsplit("/", 1)[-1]
        roles = iam_backends[account_id][partition].roles.values()
        role = next((role for role in roles if role.name == role_name), None)
        if role is None or not trust_allows(role.assume_role_policy_document, caller, partition):
            # 403 AccessDenied with AWS's message: "User: <caller> is not authorized to perform: ...".
            raise AccessDeniedError(caller.arn, f"sts:AssumeRole on resource: {role_arn}")
        return super().assume_role()

    def _caller(self) -> Caller:
        access_key = self.get_access_key()
        backend = sts_backends[self.current_account][self.partition]
        assumed = backend.get_assumed_role_from_access_key(access_key)
        if assumed is not None:
            return Caller(assumed.account_id, assumed.arn, assumed.role_arn)
        _user_id, arn, account_id = backend.get_caller_identity(access_key, self.region)
        return Caller(account_id, arn, None)


def install_sts() -> None:
    """Route moto's STS URLs to the trust-checking response (before the first STS request)."""
    handler: Any = TrustCheckingTokenResponse.dispatch
    for pattern in list(sts_urls.url_paths):
        sts_urls.url_paths[pattern] = handler


__all__ = ["Caller", "TrustCheckingTokenResponse", "install_sts", "trust_allows"]
