"""Rasa custom actions. Thin: they read the conversation, call `bot.bank`, and answer.

Modules: `conversation` (reading slots, language and the caller's line), `backend` (the bank
services shared by all actions), `replies` (amounts and dates in the conversation's mode),
`navigation` (menus, keys, language), `verification` (the card and customer-number forms),
`services` (the banking services), `handoff` (agents and POS support), `fallback`, `session`.
"""
