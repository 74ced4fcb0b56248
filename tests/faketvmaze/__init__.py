"""A protocol-level stand-in for TVmaze's public API (see fake.py and fixtures/README.md)."""

from .fake import (
    BAKERY,
    GLASS_GARDEN,
    HARBOR_LIGHTS,
    MOONRISE,
    SECRETARY_KIM,
    SPRING_LETTER,
    UNKNOWN,
    UNTITLED,
    FakeTvmaze,
    Logged,
)

__all__ = [
    "BAKERY",
    "GLASS_GARDEN",
    "HARBOR_LIGHTS",
    "MOONRISE",
    "SECRETARY_KIM",
    "SPRING_LETTER",
    "UNKNOWN",
    "UNTITLED",
    "FakeTvmaze",
    "Logged",
]
