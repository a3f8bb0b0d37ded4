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


@pytest.mark.parametrize("variable,value", [
    ("SAM3FN_DEVICE", "tpu"), ("SAM3FN_DEVICE", "cuda:x"), ("SAM3FN_PRECISION", "fp8"), ("SAM3FN_BACKEND", "warp-drive"),
    ("PORT", "99999"), ("PORT", "-1"), ("SAM3FN_QUEUE_DEPTH", "-1"), ("SAM3FN_MAX_PROMPTS", "0"),
    ("SAM3FN_RESULTS_STORE", "ftp"), ("SAM3FN_EVENT_CLAIM_TTL_S", "-5"),
])
def test_a_value_out_of_its_range_is_refused_at_start_with_its_name(variable, value):
    # Left to the model loader or uvicorn these surfaced late: torch's device list, "model_unavailable" for
    # a precision, an OverflowError traceback for a port, a queue that refused every request.
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value})


@pytest.mark.parametrize("variable,value", [("SAM3FN_DEVICE", "cuda:1"), ("SAM3FN_DEVICE", "cpu"), ("PORT", "0"),
                                            ("SAM3FN_PRECISION", "bf16"), ("SAM3FN_BACKEND", "aoti")])
def test_values_in_range_are_taken(variable, value):
    load_settings({variable: value})
