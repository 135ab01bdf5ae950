"""Settings read from the environment, validated once per process.

The stage decides what is allowed: `local` and `test` talk to the emulators
and record outbound messages in the outbox; `prod` refuses to start with an
emulator host set or a provider credential missing, so nothing is ever faked
silently in production.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Literal

Stage = Literal["local", "test", "prod"]
STAGES: tuple[Stage, ...] = ("local", "test", "prod")

EMULATOR_VARIABLES = ("FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST")

WhatsappProvider = Literal["twilio", "meta"]
WHATSAPP_PROVIDERS: tuple[WhatsappProvider, ...] = ("twilio", "meta")

# Credentials each capability needs in production; a capability's function
# calls `settings.require(...)` for its own list at start-up. WhatsApp's
# depend on WHATSAPP_PROVIDER: what sending needs, and what checking the
# provider's webhooks needs.
PROVIDER_CREDENTIALS: dict[str, tuple[str, ...]] = {
    "email": ("SENDGRID_API_KEY", "EMAIL_FROM"),
}
WHATSAPP_CREDENTIALS: dict[str, dict[WhatsappProvider, tuple[str, ...]]] = {
    "whatsapp": {
        "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM"),
        "meta": ("META_ACCESS_TOKEN", "META_PHONE_NUMBER_ID"),
    },
    "whatsapp_webhooks": {
        "twilio": ("TWILIO_AUTH_TOKEN",),
        "meta": ("META_APP_SECRET", "META_VERIFY_TOKEN"),
    },
}
KNOWN_PROVIDERS = (*PROVIDER_CREDENTIALS, *WHATSAPP_CREDENTIALS)


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


# Settings that tune behaviour are parsed here, once, so a wrong value stops
# the function at start-up rather than failing a scheduled run or a send.
DEFAULT_REMINDERS = "24h,2h"
DEFAULT_WHATSAPP_SENDS_PER_SECOND = 10.0
ReminderOffsets = tuple[tuple[str, timedelta], ...]
_OFFSET = re.compile(r"^(\d+)(m|h|d)$")
# Seconds in each unit a duration setting may use (rate-limit windows take "s" too).
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_reminder_offsets(setting: str | None) -> ReminderOffsets:
    """`"24h,2h"` → (("24h", 24 h), ("2h", 2 h)), longest first; ValueError if malformed."""
    kinds: list[tuple[str, timedelta]] = []
    for part in (setting or DEFAULT_REMINDERS).split(","):
        part = part.strip().lower()
        match = _OFFSET.match(part)
        if not match:
            raise ValueError(f"reminder offset {part!r} is not like 24h, 90m or 2d")
        seconds = int(match.group(1)) * DURATION_UNITS[match.group(2)]
        if seconds == 0:
            raise ValueError(f"reminder offset {part!r} must be more than zero")
        kinds.append((part, timedelta(seconds=seconds)))
    return tuple(sorted(set(kinds), key=lambda kind: kind[1], reverse=True))


def _sends_per_second(setting: str | None) -> float:
    if not setting or not setting.strip():
        return DEFAULT_WHATSAPP_SENDS_PER_SECOND
    try:
        rate = float(setting)
    except ValueError:
        raise ConfigError(
            f"WHATSAPP_SENDS_PER_SECOND must be a number of messages per second, not {setting!r}"
        ) from None
    if not math.isfinite(rate) or rate <= 0:
        raise ConfigError(f"WHATSAPP_SENDS_PER_SECOND must be positive, not {setting!r}")
    return rate


@dataclass(frozen=True)
class Settings:
    stage: Stage
    project_id: str
    event_bus_name: str
    cors_allow_origins: tuple[str, ...]
    public_base_url: str
    environ: dict[str, str] = field(repr=False, compare=False)
    whatsapp_provider: WhatsappProvider = "twilio"
    booking_reminders: ReminderOffsets = field(
        default_factory=lambda: parse_reminder_offsets(DEFAULT_REMINDERS)
    )
    whatsapp_sends_per_second: float = DEFAULT_WHATSAPP_SENDS_PER_SECOND
    # How long a staff account's record (disabled, revoked, role) is trusted
    # before it is fetched again; 0 fetches it on every staff call.
    auth_recheck_seconds: int = 30

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def uses_emulators(self) -> bool:
        return self.stage in ("local", "test")

    def get(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def credentials(self, provider: str) -> tuple[str, ...]:
        """The variables `provider` ("email", "whatsapp", "whatsapp_webhooks") needs."""
        if provider in WHATSAPP_CREDENTIALS:
            return WHATSAPP_CREDENTIALS[provider][self.whatsapp_provider]
        return PROVIDER_CREDENTIALS[provider]

    def has_credentials(self, provider: str) -> bool:
        return all(self.get(name) for name in self.credentials(provider))

    def require(self, *providers: str) -> None:
        """In prod, fail loudly when a provider this function uses has no credentials."""
        unknown = [provider for provider in providers if provider not in KNOWN_PROVIDERS]
        if unknown:
            raise ConfigError(f"unknown providers {unknown}; known: {sorted(KNOWN_PROVIDERS)}")
        if self.stage != "prod":
            return
        missing = [
            name
            for provider in providers
            for name in self.credentials(provider)
            if not self.get(name)
        ]
        if missing:
            raise ConfigError(
                "stage 'prod' needs these environment variables: " + ", ".join(missing)
            )


# Longer would let a disabled or demoted staff member act for too long.
MAX_AUTH_RECHECK_SECONDS = 300


def _whole_number(env: dict[str, str], name: str, *, default: int, maximum: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > maximum:
        raise ConfigError(
            f"{name} must be a whole number of seconds from 0 to {maximum}, not {text!r}"
        )
    return int(text)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    stage = env.get("MILLI_STAGE", "local").strip() or "local"
    if stage not in STAGES:
        raise ConfigError(f"MILLI_STAGE must be one of {', '.join(STAGES)}, not {stage!r}")

    project_id = (env.get("GOOGLE_CLOUD_PROJECT") or "").strip()
    if not project_id:
        if stage == "prod":
            raise ConfigError("stage 'prod' needs GOOGLE_CLOUD_PROJECT (the Firebase project id)")
        project_id = "demo-milliintell"

    if stage == "prod":
        set_emulators = [name for name in EMULATOR_VARIABLES if env.get(name)]
        if set_emulators:
            raise ConfigError(
                "stage 'prod' must not run against an emulator; unset " + ", ".join(set_emulators)
            )
        if project_id.startswith("demo-"):
            raise ConfigError("stage 'prod' cannot use a demo- project id")

    whatsapp = (env.get("WHATSAPP_PROVIDER") or "twilio").strip().lower() or "twilio"
    if whatsapp not in WHATSAPP_PROVIDERS:
        raise ConfigError(
            f"WHATSAPP_PROVIDER must be one of {', '.join(WHATSAPP_PROVIDERS)}, not {whatsapp!r}"
        )

    auth_recheck_seconds = _whole_number(
        env, "AUTH_RECHECK_SECONDS", default=30, maximum=MAX_AUTH_RECHECK_SECONDS
    )

    origins = tuple(
        origin.strip().rstrip("/")
        for origin in env.get("CORS_ALLOW_ORIGINS", "").split(",")
        if origin.strip()
    )
    public_base_url = (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    try:
        reminders = parse_reminder_offsets(env.get("BOOKING_REMINDERS", "").strip() or None)
    except ValueError as error:
        raise ConfigError(f"BOOKING_REMINDERS: {error}") from None
    return Settings(
        stage=stage,
        project_id=project_id,
        event_bus_name=env.get("EVENT_BUS_NAME") or "milliintell-local",
        cors_allow_origins=origins,
        public_base_url=public_base_url,
        environ=env,
        whatsapp_provider=whatsapp,
        booking_reminders=reminders,
        whatsapp_sends_per_second=_sends_per_second(env.get("WHATSAPP_SENDS_PER_SECOND")),
        auth_recheck_seconds=auth_recheck_seconds,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
