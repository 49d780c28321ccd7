"""A sentence of the report in the reader's language: both languages side by side where it is written."""

from __future__ import annotations

from typing import Any

from sim.outputs.glossary import lang_index


def say(lang: str, en: str, zh: str, **fill: Any) -> str:
    """``en`` or ``zh`` with its ``{...}`` filled."""
    return (en, zh)[lang_index(lang)].format(**fill)


def listing(items: list[str], lang: str) -> str:
    """'a, b and c' / 'a、b和c'."""
    if len(items) <= 1:
        return "".join(items)
    return say(lang, "{a} and {b}", "{a}和{b}", a=("、" if lang == "zh" else ", ").join(items[:-1]), b=items[-1])


def clauses(items: list[str], lang: str) -> str:
    """Clauses in a row: 'a, b and c' in English; 'a，b，c' in Chinese, where 和 would join whole clauses."""
    return "，".join(items) if lang == "zh" else listing(items, lang)


def sentence(text: str, lang: str) -> str:
    """End a sentence with the language's full stop."""
    return text + ("。" if lang == "zh" else ".")


def join(sentences: list[str], lang: str) -> str:
    """Sentences into a paragraph (Chinese needs no space between them)."""
    return ("" if lang == "zh" else " ").join(x for x in sentences if x)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]
