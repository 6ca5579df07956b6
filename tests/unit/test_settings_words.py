"""How a wrong setting is said: where settings live, a misspelt key, a key in the wrong
section, a wrong kind of value, and the values YAML reads otherwise than a person meant (a
number, a boolean, an encrypted value), each with what to write instead."""

from __future__ import annotations

import pytest

from tests.unit.test_settings_corpus import fail


def test_a_key_outside_tap_says_where_settings_live() -> None:
    message = str(fail({"app:environment": "dev", "environment": "dev"}))
    assert "app:environment: app: is not a namespace the platform reads" in message
    assert "environment: has no namespace" in message
    assert message.count("(write tap:environment)") == 2


def test_a_misspelt_key_and_a_wrong_kind_say_so_in_words() -> None:
    message = str(fail({"tap:network": {"cidrBlock": "10.1.0.0/16"}, "tap:service": {"cpu": "x"}}))
    assert "tap:network.cidrBlock = '10.1.0.0/16': is not a setting; did you mean cidr?" in message
    assert "tap:service.cpu = 'x': must be a whole number" in message


def test_a_dotted_key_in_the_stack_file_says_to_nest_it() -> None:
    """The docs name settings by dotted keys; a stack file nests them under their section."""
    message = str(fail({"tap:service.cpu": 512}))
    assert (
        "tap:service.cpu = '512': is not a setting; a stack file nests settings: write cpu under "
        "tap:service (`pulumi config set --path tap:service.cpu VALUE` writes it so)"
    ) in message


def test_a_number_where_a_string_belongs_says_to_quote_it() -> None:
    message = str(fail({"tap:database": {"engineVersion": 16.9}}))
    assert "quote it in the stack file ('16.9'), or in UPDATE= as key='16.9'" in message


def test_a_setting_in_the_wrong_section_says_where_it_belongs() -> None:
    message = str(fail({"tap:service": {"instanceType": "t3.small"}}))
    assert (
        "tap:service.instanceType = 't3.small': is not a setting here; did you mean "
        "tap:instances.instanceType?"
    ) in message
    # The provider's keys live under aws:, never in a tap: section.
    assert "tap:provider" not in str(fail({"tap:service": {"profile": "ops"}}))


def test_an_encrypted_value_says_the_offline_tools_cannot_read_it() -> None:
    secret = {"secure": "v1:c2VjcmV0"}
    message = str(fail({"tap:alarms": {"email": secret}, "tap:service": {"cpu": secret}}))
    for key in ("tap:alarms.email", "tap:service.cpu"):
        assert f"{key}: is a Pulumi secret (secure:), which only the pulumi CLI" in message
    assert "v1:c2VjcmV0" not in message


def test_a_yaml_boolean_where_text_belongs_says_to_quote_the_word() -> None:
    """`FEATURE: on` is a boolean to YAML: said as YAML writes it, with how to keep the word."""
    message = str(fail({"tap:service": {"environment": {"FEATURE": True}}}))
    assert "tap:service.environment.FEATURE = true: is true or false here" in message
    assert "quote the word in the stack file ('on')" in message


def test_a_yaml_boolean_where_a_number_belongs_is_refused_not_counted_as_one() -> None:
    """The validator alone takes `desiredCount: yes` as one task and `true` as one second."""
    message = str(
        fail({"tap:service": {"desiredCount": True}, "tap:alarms": {"responseTimeSeconds": False}})
    )
    assert (
        "tap:service.desiredCount = true: is true or false here, and must be a whole number"
        in message
    )
    assert (
        "tap:alarms.responseTimeSeconds = false: is true or false here, and must be a number"
        in message
    )
    assert "unquoted as booleans" in message


def test_an_empty_value_shows_as_yaml_writes_it() -> None:
    """`image:` with nothing after it is YAML's null, not Python's None."""
    assert "tap:service.image = null: must be text" in str(fail({"tap:service": {"image": None}}))


def test_a_value_the_file_did_not_give_is_named_as_the_tiers_default() -> None:
    message = str(fail({"tap:service": {"cpu": 512}}))
    assert "tap:service.memory = 512 (the dev tier's default): does not fit cpu 512" in message


def test_a_setting_without_its_section_and_a_misspelt_provider_key_name_what_was_meant() -> None:
    message = str(fail({"cpu": 512, "aws:regin": "us-east-1"}))
    assert "cpu: has no namespace; the platform's settings live under tap: (write " in message
    assert "(write tap:service.cpu)" in message
    assert "aws:regin = 'us-east-1': did you mean aws:region?" in message


def test_counts_that_cannot_hold_together_name_the_bounds_first() -> None:
    message = str(fail({"tap:service": {"minCount": 3, "maxCount": 2, "desiredCount": 3}}))
    assert "tap:service.minCount = 3: exceeds maxCount 2" in message
    assert "desiredCount" not in message


def test_under_a_misspelt_tier_no_default_is_blamed() -> None:
    """Its defaults are a stand-in tier's: a default that does not fit a value given says
    nothing of the file; what the file gives itself is still checked."""
    message = str(fail({"tap:environment": "prdo", "tap:service": {"cpu": 1024, "port": 80}}))
    assert "tap:environment = 'prdo': must be one of dev, staging, prod" in message
    assert "tap:service.port = 80: must be at least 1024" in message
    assert "memory" not in message


def test_a_setting_written_without_its_section_stands_in_where_it_was_meant() -> None:
    """`cpu: 4096` at the top was meant as tap:service.cpu, which then holds only its default:
    a memory that fits 4096 is not blamed for not fitting the default."""
    message = str(fail({"cpu": 4096, "tap:service": {"memory": 8192}}))
    assert "(write tap:service.cpu)" in message
    assert "memory" not in message


def test_a_wrong_key_of_a_mapping_is_named_as_a_key() -> None:
    """A tag written `5: x` is read by YAML as a number key: said as the key, not `.5.[key]`."""
    from tap_platform.settings import SettingsError, load_settings

    values = {"environment": "dev", "tags": {5: "x"}}
    with pytest.raises(SettingsError) as caught:
        load_settings(values, project="tap", stack="dev", region="us-east-1", env={})
    assert "  tap:tags, the key 5: is a number here; quote it" in str(caught.value)


def test_a_problem_about_the_settings_as_a_whole_is_said_as_it_is() -> None:
    """A check of the whole model names no key: nothing to rewrite as the file wrote it."""
    from tap_platform.settings.messages import Problem
    from tap_platform.settings.validation import _as_written

    whole = Problem((), (), "the settings do not fit together")
    assert _as_written(whole, {"service": {"secrets": {"K": "x"}}}) == whole
