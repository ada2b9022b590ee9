"""IAM identity-policy evaluation, as AWS documents it, for the calls made with a role's credentials.

A request is one action on one or more resources (ARNs), with the condition keys AWS would know for it. The
role's policies (inline and managed) decide:

1. an explicit `Deny` statement that applies wins;
2. else an `Allow` statement that applies allows;
3. else the request is denied (implicitly).

A statement applies when its `Action` (or `NotAction`) and `Resource` (or `NotResource`) match, `*` and `?`
being wildcards (actions case-insensitive, ARNs case-sensitive), and every condition holds. Conditions:
the String*, Arn* and Bool operators (with `IfExists`), on the keys the request carries
(`Request.context`). A condition this module cannot evaluate (another operator, a set qualifier such as
`ForAnyValue:`, a key the request does not carry without `IfExists`) **fails closed**: an Allow with it
does not allow, a Deny with it denies. Not modelled: resource-based policies, permission boundaries,
session policies, service control policies, policy variables (`${aws:username}`).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_STRING_OPERATORS = {
    "stringequals": (False, False, True),  # (negated, wildcard, case-sensitive)
    "stringnotequals": (True, False, True),
    "stringequalsignorecase": (False, False, False),
    "stringnotequalsignorecase": (True, False, False),
    "stringlike": (False, True, True),
    "stringnotlike": (True, True, True),
    "arnequals": (False, True, True),  # ArnEquals matches like ArnLike (AWS: both take wildcards)
    "arnlike": (False, True, True),
    "arnnotequals": (True, True, True),
    "arnnotlike": (True, True, True),
}


class Decision(enum.Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class NamedPolicy:
    """One identity policy of a role: its name (inline) or ARN (managed) and its document."""

    name: str
    document: Mapping[str, Any]

    @classmethod
    def parse(cls, name: str, document: str | Mapping[str, Any]) -> NamedPolicy:
        return cls(name, json.loads(document) if isinstance(document, str) else document)

    def statements(self) -> list[tuple[str, Mapping[str, Any]]]:
        raw = self.document.get("Statement", [])
        statements = raw if isinstance(raw, list) else [raw]
        return [(str(s.get("Sid") or f"#{index}"), s) for index, s in enumerate(statements)]


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    # The statement that decided: (policy name, statement Sid or #index); None for an implicit deny.
    statement: tuple[str, str] | None = None

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


def evaluate(policies: Sequence[NamedPolicy], request: Request) -> Verdict:
    allowed: tuple[str, str] | None = None
    for policy in policies:
        for sid, statement in policy.statements():
            effect = statement.get("Effect")
            if not _action_matches(statement, request.action) or not _resource_matches(
                statement, request.resource
            ):
                continue
            holds = _conditions_hold(statement.get("Condition", {}), request.context)
            if effect == "Deny" and holds is not False:  # None (cannot evaluate) fails closed: deny
                return Verdict(Decision.EXPLICIT_DENY, (policy.name, sid))
            if effect == "Allow" and holds is True and allowed is None:
                allowed = (policy.name, sid)
    if allowed is not None:
        return Verdict(Decision.ALLOWED, allowed)
    return Verdict(Decision.IMPLICIT_DENY)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_match(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(
            wildcard_match(str(p), action, case_sensitive=False) for p in _as_list(statement["NotAction"])
        )
    return any(
        wildcard_match(str(p), action, case_sensitive=False) for p in _as_list(statement.get("Action", []))
    )


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not any(
            wildcard_match(str(p), resource, case_sensitive=True) for p in _as_list(statement["NotResource"])
        )
    return any(
        wildcard_match(str(p), resource, case_sensitive=True) for p in _as_list(statement.get("Resource", []))
    )


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, Any]) -> bool | None:
    """True when every condition holds, False when one does not, None when one cannot be evaluated."""
    known = {key.lower(): value for key, value in context.items()}
    for operator, tests in conditions.items():
        name = operator.lower()
        if_exists = name.endswith("ifexists")
        name = name.removesuffix("ifexists")
        if ":" in name or (name not in _STRING_OPERATORS and name != "bool"):
            return None  # ForAnyValue:/ForAllValues:, Numeric*, Date*, IpAddress, Null, ...
        for key, expected in tests.items():
            if key.lower() not in known:
                if if_exists:
                    continue
                return None
            actual = [str(value) for value in _as_list(known[key.lower()])]
            if not _operator_holds(name, actual, [str(value) for value in _as_list(expected)]):
                return False
    return True


def _operator_holds(name: str, actual: list[str], expected: list[str]) -> bool:
    if name == "bool":
        return any(a.lower() == e.lower() for a in actual for e in expected)
    negated, wildcard, case_sensitive = _STRING_OPERATORS[name]
    if wildcard:
        matched = any(wildcard_match(e, a, case_sensitive=case_sensitive) for a in actual for e in expected)
    elif case_sensitive:
        matched = any(a == e for a in actual for e in expected)
    else:
        matched = any(a.lower() == e.lower() for a in actual for e in expected)
    return not matched if negated else matched


__all__ = ["Decision", "NamedPolicy", "Request", "Verdict", "evaluate", "wildcard_match"]
