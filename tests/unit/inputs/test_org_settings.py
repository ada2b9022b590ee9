"""The organization mode's settings (glacier_cleanup.inputs.org_settings): read once from the environment,
each bad or unknown variable named with what is allowed."""

from __future__ import annotations

import pytest
from glacier_cleanup.inputs.org_settings import OrganizationSettings
from glacier_cleanup.inputs.settings import SettingsError

REQUIRED = {"CLEANUP_ORG_PARENT_IDS": "r-ab12", "CLEANUP_ORG_RESULTS_BUCKET": "hub-results"}


def test_the_defaults_cover_every_region_and_no_exclusion() -> None:
    settings = OrganizationSettings.from_environ(REQUIRED)
    assert settings.parent_ids == ("r-ab12",)
    assert (settings.regions, settings.exclude_accounts, settings.records_bucket) == ((), (), None)
    assert (settings.summary_always, settings.name) == (False, "organization")


def test_lists_are_comma_separated_and_all_means_every_region() -> None:
    settings = OrganizationSettings.from_environ(
        {
            **REQUIRED,
            "CLEANUP_ORG_PARENT_IDS": " r-ab12 , ou-ab12-cdef3456 ,",
            "CLEANUP_ORG_REGIONS": "eu-west-1,us-east-1",
            "CLEANUP_ORG_EXCLUDE_ACCOUNTS": "111111111111, 222222222222",
            "CLEANUP_ORG_SUMMARY_ALWAYS": "true",
        }
    )
    assert settings.parent_ids == ("r-ab12", "ou-ab12-cdef3456")
    assert settings.regions == ("eu-west-1", "us-east-1")
    assert settings.exclude_accounts == ("111111111111", "222222222222")
    assert settings.summary_always is True
    assert OrganizationSettings.from_environ({**REQUIRED, "CLEANUP_ORG_REGIONS": " all "}).regions == ()


def test_an_empty_variable_counts_as_unset() -> None:
    settings = OrganizationSettings.from_environ({**REQUIRED, "CLEANUP_ORG_RECORDS_BUCKET": "  "})
    assert settings.records_bucket is None


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"CLEANUP_ORG_RESULTS_BUCKET": "hub-results"}, "CLEANUP_ORG_PARENT_IDS"),
        ({**REQUIRED, "CLEANUP_ORG_PARENT_IDS": ","}, "CLEANUP_ORG_PARENT_IDS"),
        ({**REQUIRED, "CLEANUP_ORG_PARENT_IDS": "123456789012"}, "CLEANUP_ORG_PARENT_IDS"),
        ({**REQUIRED, "CLEANUP_ORG_REGIONS": "eu-west-1,Moon"}, "CLEANUP_ORG_REGIONS"),
        ({**REQUIRED, "CLEANUP_ORG_EXCLUDE_ACCOUNTS": "1234"}, "CLEANUP_ORG_EXCLUDE_ACCOUNTS"),
        ({**REQUIRED, "CLEANUP_ORG_RESULTS_BUCKET": "Bad_Bucket"}, "CLEANUP_ORG_RESULTS_BUCKET"),
        ({**REQUIRED, "CLEANUP_ORG_NAME": "9lives"}, "CLEANUP_ORG_NAME"),
        ({**REQUIRED, "CLEANUP_ORG_SUMMARY_ALWAYS": "sometimes"}, "CLEANUP_ORG_SUMMARY_ALWAYS"),
    ],
)
def test_a_bad_value_is_named(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        OrganizationSettings.from_environ(environ)
    assert named in str(raised.value)


def test_an_unknown_variable_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(SettingsError) as raised:
        OrganizationSettings.from_environ({**REQUIRED, "CLEANUP_ORG_REGION": "eu-west-1"})
    message = str(raised.value)
    assert "unknown variable(s) CLEANUP_ORG_REGION " in message
    assert "CLEANUP_ORG_REGIONS" in message
