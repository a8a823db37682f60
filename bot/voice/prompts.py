"""What the voice session itself says (not the assistant): re-prompts and call-ending apologies.

Fixed sentences, rendered once and cached. Albanian is the line's default language.
"""

from __future__ import annotations

from bot.i18n import DEFAULT_LANGUAGE

NOT_UNDERSTOOD = {
    "sq": "Më falni, nuk ju kuptova.",
    "en": "Sorry, I did not understand.",
}
TRANSFER_FAILED = {
    "sq": "Na vjen keq, lidhja nuk u realizua. Ju lutem telefononi përsëri më vonë. Mirupafshim.",
    "en": "Sorry, we could not put your call through. Please call again later. Goodbye.",
}
KEYS_ONLY = {
    "sq": "Kjo linjë pranon vetëm tastet e telefonit. Ju lutem përdorni tastierën.",
    "en": "This line takes keys only. Please use your telephone keypad.",
}
SERVICE_DOWN = {
    "sq": "Na vjen keq, shërbimi nuk është i disponueshëm për momentin. "
    "Ju lutem telefononi përsëri më vonë.",
    "en": "Sorry, the service is not available right now. Please call again later.",
}


def prompt(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts[DEFAULT_LANGUAGE]
