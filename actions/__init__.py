"""Rasa custom actions. Thin: they read the conversation, call `bot.bank`, and answer.

Modules: `conversation` (reading slots, language and the caller's line), `backend` (the bank
services shared by all actions), `presentation` (amounts and dates in the conversation's mode),
`requests` (intent -> service menu and service), `menus` (presenting a menu), `navigation`
(menus, keys, language), `verification` and `verification_state` (the card and customer-number
forms, and the state they leave), `services` (the banking services), `handoff` (agents and POS
support), `intent_routing`, `fallback`, `session`.
"""
