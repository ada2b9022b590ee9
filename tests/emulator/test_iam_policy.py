"""The emulator's identity-policy evaluation (glacier_emulator/iam_policy.py), rule by rule."""

from __future__ import annotations

from typing import Any

import pytest

from glacier_emulator.iam_policy import Decision, NamedPolicy, Request, evaluate

VAULT = "arn:aws:glacier:eu-west-1:111111111111:vaults/backups"


def policy(*statements: dict[str, Any], name: str = "Inline") -> NamedPolicy:
    return NamedPolicy(name, {"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_nothing_granted_is_an_implicit_deny() -> None:
    verdict = evaluate([], Request("glacier:ListVaults", "*"))
    assert verdict.decision is Decision.IMPLICIT_DENY
    assert verdict.statement is None


def test_an_allow_names_the_statement_that_allowed() -> None:
    verdict = evaluate(
        [policy({"Sid": "Vaults", **allow(["glacier:ListParts", "glacier:AbortMultipartUpload"], VAULT)})],
        Request("glacier:AbortMultipartUpload", VAULT),
    )
    assert verdict.allowed
    assert verdict.statement == ("Inline", "Vaults")


def test_an_explicit_deny_wins_over_any_allow_in_any_policy() -> None:
    policies = [policy(allow("glacier:*", "*"), name="A"), policy(deny("glacier:Abort*", VAULT), name="B")]
    verdict = evaluate(policies, Request("glacier:AbortMultipartUpload", VAULT))
    assert verdict.decision is Decision.EXPLICIT_DENY
    assert verdict.statement == ("B", "#0")
    assert evaluate(policies, Request("glacier:ListParts", VAULT)).allowed


@pytest.mark.parametrize(
    ("pattern", "action", "allowed"),
    [
        ("glacier:ListParts", "glacier:ListParts", True),
        ("GLACIER:listparts", "glacier:ListParts", True),  # actions are case-insensitive
        ("glacier:List*", "glacier:ListMultipartUploads", True),
        ("glacier:List?arts", "glacier:ListParts", True),
        ("glacier:List?arts", "glacier:ListXXParts", False),
        ("glacier:ListParts", "glacier:ListPartsX", False),
        ("s3:*", "glacier:ListParts", False),
    ],
)
def test_actions_match_with_wildcards_and_without_case(pattern: str, action: str, allowed: bool) -> None:
    assert evaluate([policy(allow(pattern))], Request(action, "*")).allowed is allowed


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        (VAULT, True),
        ("arn:aws:glacier:*:111111111111:vaults/*", True),
        ("arn:aws:glacier:eu-west-1:111111111111:vaults/back?ps", True),
        ("arn:aws:glacier:eu-west-1:111111111111:vaults/Backups", False),  # ARNs are case-sensitive
        ("arn:aws:glacier:eu-west-1:222222222222:vaults/*", False),
        ("arn:aws:glacier:eu-west-1:111111111111:vaults/backup", False),
    ],
)
def test_resources_match_with_wildcards_and_case(pattern: str, allowed: bool) -> None:
    assert evaluate(
        [policy(allow("glacier:ListParts", pattern))], Request("glacier:ListParts", VAULT)
    ).allowed is (allowed)


def test_not_action_and_not_resource_invert_the_match() -> None:
    everything_but_abort = policy({"Effect": "Allow", "NotAction": "glacier:Abort*", "Resource": "*"})
    assert evaluate([everything_but_abort], Request("glacier:ListParts", VAULT)).allowed
    assert not evaluate([everything_but_abort], Request("glacier:AbortMultipartUpload", VAULT)).allowed
    not_this_vault = policy({"Effect": "Allow", "Action": "glacier:*", "NotResource": VAULT})
    assert not evaluate([not_this_vault], Request("glacier:ListParts", VAULT)).allowed
    assert evaluate([not_this_vault], Request("glacier:ListParts", VAULT + "2")).allowed


@pytest.mark.parametrize(
    ("condition", "context", "allowed"),
    [
        ({"StringEquals": {"aws:ResourceOrgID": "o-abc"}}, {"aws:ResourceOrgID": "o-abc"}, True),
        ({"StringEquals": {"aws:ResourceOrgID": "o-abc"}}, {"aws:ResourceOrgID": "o-xyz"}, False),
        ({"StringEquals": {"aws:resourceorgid": ["o-1", "o-abc"]}}, {"aws:ResourceOrgID": "o-abc"}, True),
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, {"aws:SourceAccount": "2"}, True),
        (
            {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Hub*"}},
            {"aws:PrincipalArn": "arn:aws:iam::1:role/HubFn"},
            True,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:states:*:1:stateMachine:*"}},
            {"aws:SourceArn": "arn:aws:states:eu-west-1:1:stateMachine:Run"},
            True,
        ),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, False),
        # a key the request does not carry: fails closed, unless IfExists
        ({"StringEquals": {"aws:ResourceOrgID": "o-abc"}}, {}, False),
        ({"StringEqualsIfExists": {"aws:ResourceOrgID": "o-abc"}}, {}, True),
        # operators and qualifiers this evaluator does not model: fail closed
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:MultiFactorAuthAge": "10"}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": ["a"]}, False),
    ],
)
def test_conditions(condition: dict[str, Any], context: dict[str, Any], allowed: bool) -> None:
    verdict = evaluate(
        [policy(allow("sts:AssumeRole", "*", Condition=condition))], Request("sts:AssumeRole", "*", context)
    )
    assert verdict.allowed is allowed


def test_a_deny_whose_condition_cannot_be_evaluated_denies() -> None:
    policies = [
        policy(allow("glacier:*")),
        policy(deny("glacier:*", "*", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "1"}})),
    ]
    assert evaluate(policies, Request("glacier:ListParts", VAULT)).decision is Decision.EXPLICIT_DENY
    false_deny = policy(deny("glacier:*", "*", Condition={"StringEquals": {"aws:SourceAccount": "9"}}))
    assert evaluate(
        [policy(allow("glacier:*")), false_deny],
        Request("glacier:ListParts", VAULT, {"aws:SourceAccount": "1"}),
    ).allowed


def test_a_single_statement_object_and_a_json_document_are_read() -> None:
    parsed = NamedPolicy.parse(
        "P", '{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'
    )
    assert evaluate([parsed], Request("s3:GetObject", "arn:aws:s3:::b/k")).statement == ("P", "#0")
