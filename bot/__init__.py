"""Voice and chat assistant for a retail bank's customer line."""

__version__ = "0.1.0"
