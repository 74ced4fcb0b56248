"""Runtime configuration, read from the environment and `.env`.

No instance exists at import time: `__main__` builds one, and tests build their own, so
nothing has to fake a token just to import the package. An empty value counts as unset
(`cp .env.example .env` leaves `DISCORD_TOKEN=` empty), and every mistake becomes one line
in our own words that names the setting and says how to fix it.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.shards import GuildScope

DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
DEFAULT_TVMAZE_URL = "https://api.tvmaze.com"
_DATABASE_SCHEMES = ("postgresql://", "postgres://", "sqlite:///")
HEALTH_FILE_NAME = "dramabot.health"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# A bot token is three base64url parts separated by dots: user id, timestamp, HMAC.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
PORTAL_BOT_PAGE = "Discord Developer Portal > your application > Bot > Reset Token"
TOKEN_MISSING = (
    f"DISCORD_TOKEN is not set: put the bot token in .env or the environment ({PORTAL_BOT_PAGE})"
)

# Setting -> what a wrong value gets told; `{value}` is what was given (never the token).
_FIXES = {
    "discord_token": (
        "DISCORD_TOKEN does not look like a bot token (three parts separated by dots): "
        f"copy it again ({PORTAL_BOT_PAGE})"
    ),
    "discord_api_url": (
        "DISCORD_API_URL is {value}; it must start with http:// or https:// "
        "(remove the line to use Discord's own)"
    ),
    "discord_gateway_url": (
        "DISCORD_GATEWAY_URL is {value}; it must start with ws:// or wss:// "
        "(remove the line to use Discord's own)"
    ),
    "database_path": "DATABASE_PATH is {value}; it must be a file path like data/dramabot.sqlite3",
    "health_file": "HEALTH_FILE is {value}; it must be a file path like data/dramabot.health",
    "dev_guild_id": (
        "DEV_GUILD_ID is {value}; it must be a server id (in Discord turn on Developer Mode, "
        "right-click the server, Copy Server ID) or empty"
    ),
    "log_level": "LOG_LEVEL is {value}; it must be DEBUG, INFO, WARNING, ERROR or CRITICAL",
    "log_format": "LOG_FORMAT is {value}; it must be text or json",
    "message_content_intent": "MESSAGE_CONTENT_INTENT is {value}; it must be true or false",
    "database_url": (
        "DATABASE_URL is {value}; it must be a PostgreSQL URL like "
        "postgresql://user:password@host:5432/dbname, or empty to use DATABASE_PATH"
    ),
    "shard_count": "SHARD_COUNT is {value}; it must be a whole number of shards from 1, or empty",
    "shard_ids": (
        "SHARD_IDS is {value}; it must be shard numbers from 0 to SHARD_COUNT - 1 separated "
        "by commas (e.g. 0,1), and SHARD_COUNT must be set too"
    ),
    "tvmaze_api_url": (
        "TVMAZE_API_URL is {value}; it must start with http:// or https:// "
        "(remove the line to use TVmaze's own)"
    ),
    "preview_allowed_networks": (
        "PREVIEW_ALLOWED_NETWORKS is {value}; it must be networks separated by commas, "
        "like 10.1.0.0/16,192.168.1.0/24"
    ),
}


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says how to fix it."""


class Settings(BaseSettings):
    """Every setting the bot reads. Environment names are the field names in upper case."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr | None = None
    discord_api_url: str = DEFAULT_API_URL
    discord_gateway_url: str = DEFAULT_GATEWAY_URL
    database_path: Path = Path("data/dramabot.sqlite3")
    database_url: str | None = None
    shard_count: int | None = Field(default=None, ge=1, le=10_000)
    shard_ids: Annotated[tuple[int, ...], NoDecode] = ()
    health_file: Path | None = None
    dev_guild_id: int | None = Field(default=None, gt=0)
    log_level: LogLevel = "INFO"
    log_format: Literal["text", "json"] = "text"
    message_content_intent: bool = True
    preview_allowed_networks: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    tvmaze_api_url: str = DEFAULT_TVMAZE_URL

    @field_validator("discord_token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str):
            text = text.strip()
            if not text:
                return None
            if not TOKEN_SHAPE.fullmatch(text):
                raise ValueError("not a token")
        return text

    @field_validator("discord_api_url", "tvmaze_api_url")
    @classmethod
    def _api_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("not http")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway_url_is_ws(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("not ws")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        # `info` is fine; a wrong value is shown back as it was written.
        if isinstance(value, str) and value.upper() in get_args(LogLevel):
            return value.upper()
        return value

    @field_validator("dev_guild_id", "health_file", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url_scheme(cls, value: object) -> object:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not value.startswith(_DATABASE_SCHEMES):
            raise ValueError("must start with postgresql:// (or sqlite:///path for SQLite)")
        return value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _blank_count_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> object:
        # Plain comma-separated numbers: SHARD_IDS=0,1
        if isinstance(value, str):
            try:
                return tuple(int(part) for part in value.split(",") if part.strip())
            except ValueError:
                raise ValueError("must be shard numbers separated by commas, e.g. 0,1") from None
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shards_fit(cls, value: tuple[int, ...], info: ValidationInfo) -> tuple[int, ...]:
        count = info.data.get("shard_count")
        if value and (count is None or any(not 0 <= shard < count for shard in value)):
            raise ValueError("shard ids must be below SHARD_COUNT, which must be set")
        return value

    @field_validator("preview_allowed_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        # Plain comma-separated text, never JSON: operators write `127.0.0.2/32,10.1.0.0/16`.
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return tuple(ipaddress.ip_network(part, strict=False) for part in parts)
            except ValueError:
                raise ValueError("not networks") from None
        return value

    @property
    def database_target(self) -> str | Path:
        """DATABASE_URL when set, else the SQLite file at DATABASE_PATH."""
        return self.database_url or self.database_path

    @property
    def guild_scope(self) -> GuildScope:
        """The guilds this process serves (every guild unless SHARD_COUNT is set)."""
        if self.shard_count is None:
            return GuildScope.everything()
        return GuildScope.of_shards(self.shard_count, self.shard_ids or range(self.shard_count))

    @property
    def gateway_is_custom(self) -> bool:
        """Whether resumes must be steered to our own gateway instead of Discord's."""
        return self.discord_gateway_url != DEFAULT_GATEWAY_URL

    @property
    def health_path(self) -> Path:
        """Where the running bot reports its health: HEALTH_FILE, or beside the database."""
        return self.health_file or self.database_path.parent / HEALTH_FILE_NAME

    def token(self) -> str:
        """The bot token; `SettingsError` when it is not set (only connecting needs it)."""
        if self.discord_token is None:
            raise SettingsError(TOKEN_MISSING)
        return self.discord_token.get_secret_value()

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        return [] if self.discord_token is None else [self.discord_token.get_secret_value()]


ENV_NAMES = tuple(name.upper() for name in Settings.model_fields)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """Our own sentence for each problem, joined into one line (no validation-library words)."""
    problems: list[str] = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        fix = _FIXES.get(field, f"{field.upper()} is {{value}}; see .env.example for what it takes")
        sentence = fix.format(value=_shown(item.get("input")))
        if sentence not in problems:
            problems.append(sentence)
    return "; ".join(problems)


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:59] + "…")
