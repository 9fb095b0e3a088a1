"""Vietnamese text helpers: fold diacritics and case for search ("nguyen van a" finds "Nguyễn Văn A")."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z ]+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), keep letters, digits and single spaces."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _NON_WORD.sub(" ", stripped)
    return _SPACES.sub(" ", stripped).strip()


def clean_name(text: str) -> str:
    """A person's name as written, in NFC with single spaces; the case is kept."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def name_keys(folded: str) -> list[str]:
    """The name and each of its word-suffixes: "nguyen van an" → full, "van an", "an".

    Vietnamese people are searched by full name, by middle+given name, or by given name; a prefix
    search over these keys answers all three from one ordinary index on both databases.
    """
    words = folded.split()
    return [" ".join(words[i:]) for i in range(len(words))]
