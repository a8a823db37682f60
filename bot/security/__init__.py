"""Secrets and trust: local secret keys, signed caller metadata, redaction."""
