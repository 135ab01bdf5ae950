"""shared.config: what each stage accepts and refuses."""

from __future__ import annotations

import pytest

from shared.config import ConfigError, Settings, get_settings, load_settings, reset_settings

PROD = {"MILLI_STAGE": "prod", "GOOGLE_CLOUD_PROJECT": "milliintell-prod"}


def test_defaults_to_local_stage_and_demo_project() -> None:
    settings = load_settings({})

    assert settings.stage == "local"
    assert settings.is_local
    assert settings.uses_emulators
    assert settings.project_id == "demo-milliintell"
    assert settings.event_bus_name == "milliintell-local"
    assert settings.cors_allow_origins == ()
    assert settings.public_base_url == "http://127.0.0.1:8000"


def test_blank_stage_means_local() -> None:
    assert load_settings({"MILLI_STAGE": "  "}).stage == "local"


def test_stage_is_stripped() -> None:
    assert load_settings({"MILLI_STAGE": " test "}).stage == "test"


@pytest.mark.parametrize("stage", ["production", "PROD", "dev"])
def test_unknown_stage_is_refused(stage: str) -> None:
    with pytest.raises(ConfigError, match="MILLI_STAGE must be one of local, test, prod"):
        load_settings({"MILLI_STAGE": stage})


def test_prod_needs_a_project() -> None:
    with pytest.raises(ConfigError, match="GOOGLE_CLOUD_PROJECT"):
        load_settings({"MILLI_STAGE": "prod"})


def test_prod_treats_a_blank_project_as_missing() -> None:
    with pytest.raises(ConfigError, match="GOOGLE_CLOUD_PROJECT"):
        load_settings({"MILLI_STAGE": "prod", "GOOGLE_CLOUD_PROJECT": "   "})


@pytest.mark.parametrize("variable", ["FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"])
def test_prod_refuses_an_emulator_host(variable: str) -> None:
    with pytest.raises(ConfigError, match="must not run against an emulator") as raised:
        load_settings({**PROD, variable: "127.0.0.1:8080"})

    assert variable in str(raised.value)


def test_prod_names_every_emulator_host_set() -> None:
    environ = {
        **PROD,
        "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8080",
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
    }
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)

    assert "FIRESTORE_EMULATOR_HOST" in str(raised.value)
    assert "FIREBASE_AUTH_EMULATOR_HOST" in str(raised.value)


def test_prod_refuses_a_demo_project() -> None:
    with pytest.raises(ConfigError, match="demo- project"):
        load_settings({"MILLI_STAGE": "prod", "GOOGLE_CLOUD_PROJECT": "demo-milliintell"})


def test_local_may_use_emulators_and_a_demo_project() -> None:
    settings = load_settings(
        {
            "MILLI_STAGE": "local",
            "GOOGLE_CLOUD_PROJECT": "demo-other",
            "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8080",
        }
    )

    assert settings.project_id == "demo-other"


def test_valid_prod_settings() -> None:
    settings = load_settings(
        {
            **PROD,
            "EVENT_BUS_NAME": "milliintell-prod",
            "PUBLIC_BASE_URL": "https://milliintell.netlify.app/",
        }
    )

    assert settings.stage == "prod"
    assert not settings.is_local
    assert not settings.uses_emulators
    assert settings.project_id == "milliintell-prod"
    assert settings.event_bus_name == "milliintell-prod"
    assert settings.public_base_url == "https://milliintell.netlify.app"


def test_cors_origins_are_trimmed_and_blanks_dropped() -> None:
    settings = load_settings(
        {"CORS_ALLOW_ORIGINS": " https://a.example/ ,, https://b.example:8443//,  ,http://c"}
    )

    assert settings.cors_allow_origins == (
        "https://a.example",
        "https://b.example:8443",
        "http://c",
    )


@pytest.mark.parametrize("raw", ["", " ", ",", " , ,"])
def test_blank_cors_origins_mean_none(raw: str) -> None:
    assert load_settings({"CORS_ALLOW_ORIGINS": raw}).cors_allow_origins == ()


def test_load_settings_copies_the_environ() -> None:
    environ = {"MILLI_STAGE": "test", "SENDGRID_API_KEY": "key"}
    settings = load_settings(environ)
    environ["SENDGRID_API_KEY"] = ""

    assert settings.get("SENDGRID_API_KEY") == "key"


def test_get_strips_and_treats_blank_as_missing() -> None:
    settings = load_settings({"A": "  value  ", "B": "   "})

    assert settings.get("A") == "value"
    assert settings.get("B") is None
    assert settings.get("C") is None


def _prod(**extra: str) -> Settings:
    return load_settings({**PROD, **extra})


def test_require_in_prod_lists_every_missing_variable() -> None:
    settings = _prod(TWILIO_ACCOUNT_SID="AC123", EMAIL_FROM="  ")

    with pytest.raises(ConfigError) as raised:
        settings.require("email", "whatsapp")

    message = str(raised.value)
    assert "SENDGRID_API_KEY" in message
    assert "EMAIL_FROM" in message
    assert "TWILIO_AUTH_TOKEN" in message
    assert "TWILIO_WHATSAPP_FROM" in message
    assert "TWILIO_ACCOUNT_SID" not in message


def test_require_in_prod_passes_when_credentials_are_set() -> None:
    settings = _prod(
        TWILIO_ACCOUNT_SID="AC123",
        TWILIO_AUTH_TOKEN="token",
        TWILIO_WHATSAPP_FROM="whatsapp:+14155238886",
    )

    settings.require("whatsapp")
    assert settings.has_credentials("whatsapp")
    assert not settings.has_credentials("email")


@pytest.mark.parametrize("stage", ["local", "test"])
def test_require_is_silent_outside_prod(stage: str) -> None:
    settings = load_settings({"MILLI_STAGE": stage})

    settings.require("email", "whatsapp")
    assert not settings.has_credentials("email")


@pytest.mark.parametrize("stage", ["local", "test", "prod"])
def test_require_rejects_an_unknown_provider_in_every_stage(stage: str) -> None:
    settings = load_settings({"MILLI_STAGE": stage, "GOOGLE_CLOUD_PROJECT": "milliintell-prod"})
    with pytest.raises(ConfigError, match="carrier-pigeon"):
        settings.require("carrier-pigeon")


def test_get_settings_is_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_BUS_NAME", "bus-one")
    reset_settings()
    first = get_settings()
    monkeypatch.setenv("EVENT_BUS_NAME", "bus-two")

    assert get_settings() is first
    assert get_settings().event_bus_name == "bus-one"

    reset_settings()
    assert get_settings().event_bus_name == "bus-two"
    assert get_settings().stage == "test"


def test_whatsapp_provider_defaults_to_twilio_and_is_validated() -> None:
    assert load_settings({}).whatsapp_provider == "twilio"
    assert load_settings({"WHATSAPP_PROVIDER": " Meta "}).whatsapp_provider == "meta"
    with pytest.raises(ConfigError, match="WHATSAPP_PROVIDER must be one of twilio, meta"):
        load_settings({"WHATSAPP_PROVIDER": "telegram"})


def test_require_in_prod_asks_for_the_chosen_whatsapp_providers_credentials() -> None:
    twilio_only = {
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_WHATSAPP_FROM": "+14155238886",
    }
    settings = _prod(WHATSAPP_PROVIDER="meta", **twilio_only)

    with pytest.raises(ConfigError) as raised:
        settings.require("whatsapp", "whatsapp_webhooks")

    message = str(raised.value)
    for name in ("META_ACCESS_TOKEN", "META_PHONE_NUMBER_ID", "META_APP_SECRET"):
        assert name in message
    assert "META_VERIFY_TOKEN" in message
    assert "TWILIO" not in message
    assert not settings.has_credentials("whatsapp")

    meta = _prod(
        WHATSAPP_PROVIDER="meta",
        META_ACCESS_TOKEN="EAAG",
        META_PHONE_NUMBER_ID="106540352242922",
        META_APP_SECRET="secret",
        META_VERIFY_TOKEN="verify",
    )
    meta.require("whatsapp", "whatsapp_webhooks")
    assert meta.has_credentials("whatsapp")


def test_twilio_webhooks_need_only_the_auth_token() -> None:
    settings = _prod(TWILIO_AUTH_TOKEN="token")

    settings.require("whatsapp_webhooks")
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        settings.require("whatsapp")


def test_tuning_settings_default_when_unset() -> None:
    settings = load_settings({"BOOKING_REMINDERS": " ", "WHATSAPP_SENDS_PER_SECOND": ""})

    assert [kind for kind, _ in settings.booking_reminders] == ["24h", "2h"]
    assert settings.whatsapp_sends_per_second == 10.0


def test_tuning_settings_are_parsed_once_at_start() -> None:
    from datetime import timedelta

    settings = load_settings({"BOOKING_REMINDERS": "90m, 2d", "WHATSAPP_SENDS_PER_SECOND": "2.5"})

    assert settings.booking_reminders == (("2d", timedelta(days=2)), ("90m", timedelta(hours=1.5)))
    assert settings.whatsapp_sends_per_second == 2.5


@pytest.mark.parametrize("value", ["soon", "24h,", "0h", "24 hours", "-2h"])
def test_a_wrong_reminder_setting_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="BOOKING_REMINDERS"):
        load_settings({"BOOKING_REMINDERS": value})


@pytest.mark.parametrize("value", ["fast", "0", "-3", "nan", "inf"])
def test_a_wrong_send_rate_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="WHATSAPP_SENDS_PER_SECOND"):
        load_settings({"WHATSAPP_SENDS_PER_SECOND": value})
