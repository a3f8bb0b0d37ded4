"""Settings come from the environment and a bad value stops the start with the variable's name."""

from __future__ import annotations

import pytest

from sam3fn.settings import SettingsError, load_settings


@pytest.mark.parametrize("token", ["密钥", "two words", "tab\there"])
def test_a_bearer_token_no_client_could_send_is_refused_at_start(token):
    # The Authorization header is ASCII: with such a token every request would get 401, with no hint why.
    for variable in ("SAM3FN_API_KEY", "SAM3FN_EVENTS_TOKEN"):
        with pytest.raises(SettingsError, match=variable):
            load_settings({variable: token})


def test_any_printable_ascii_token_is_taken_as_is():
    settings = load_settings({"SAM3FN_API_KEY": "s3cr3t!#$%&'*+-.^_`|~=", "SAM3FN_EVENTS_TOKEN": "abc"})
    assert settings.api_key == "s3cr3t!#$%&'*+-.^_`|~=" and settings.events_token == "abc"


def test_a_value_of_the_wrong_type_names_its_variable():
    with pytest.raises(SettingsError, match="SAM3FN_QUEUE_DEPTH"):
        load_settings({"SAM3FN_QUEUE_DEPTH": "many"})
