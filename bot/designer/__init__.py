"""Conversation designer tools: validation, evaluation, review of real conversations."""
