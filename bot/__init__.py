"""dramabot: a Discord bot for drama fan communities."""

__version__ = "0.1.0"
