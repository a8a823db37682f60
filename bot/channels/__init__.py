"""Rasa-facing adapters: input channels and the tracker store."""
