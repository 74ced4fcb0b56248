"""Runtime configuration, read from the environment and `.env`.

No instance exists at import time: `__main__` builds one, and tests build their own, so
nothing has to fake a token just to import the package.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.shards import GuildScope

DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
DEFAULT_TVMAZE_URL = "https://api.tvmaze.com"
_DATABASE_SCHEMES = ("postgresql://", "postgres://", "sqlite:///")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says what is wrong."""


class Settings(BaseSettings):
    """Every setting the bot reads. Environment names are the field names in upper case."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr = Field(min_length=1)
    discord_api_url: str = DEFAULT_API_URL
    discord_gateway_url: str = DEFAULT_GATEWAY_URL
    database_path: Path = Path("data/dramabot.sqlite3")
    database_url: str | None = None
    shard_count: int | None = Field(default=None, ge=1, le=10_000)
    shard_ids: Annotated[tuple[int, ...], NoDecode] = ()
    dev_guild_id: int | None = Field(default=None, gt=0)
    log_level: LogLevel = "INFO"
    log_format: Literal["text", "json"] = "text"
    message_content_intent: bool = True
    preview_allowed_networks: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    tvmaze_api_url: str = DEFAULT_TVMAZE_URL

    @field_validator("discord_api_url", "tvmaze_api_url")
    @classmethod
    def _api_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway_url_is_ws(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _blank_guild_is_none(cls, value: object) -> object:
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

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (the total number of shards)")
        if self.shard_count is not None and any(
            not 0 <= shard < self.shard_count for shard in self.shard_ids
        ):
            highest = self.shard_count - 1
            raise ValueError(f"SHARD_IDS must be between 0 and SHARD_COUNT - 1 ({highest})")
        return self

    @field_validator("preview_allowed_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        # Plain comma-separated text, never JSON: operators write `127.0.0.2/32,10.1.0.0/16`.
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return tuple(ipaddress.ip_network(part, strict=False) for part in parts)
            except ValueError as error:
                raise ValueError(f"not a list of CIDR networks ({error})") from None
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


ENV_NAMES = tuple(name.upper() for name in Settings.model_fields)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "settings"
        reason = "is required (set it in the environment or .env)"
        if item["type"] != "missing":
            reason = f"is invalid: {item['msg']}"
        problems.append(f"{name} {reason}")
    return "; ".join(problems)
