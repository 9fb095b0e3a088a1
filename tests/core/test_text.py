"""Folding Vietnamese names for search and the word-suffix keys of the name index."""

from __future__ import annotations

import unicodedata

import pytest

from chihuy.core.text import clean_name, fold, name_keys


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn A", "nguyen van a"),
        ("ĐẶNG THỊ Ơn", "dang thi on"),
        ("  Lò   Văn\tPằn ", "lo van pan"),
        ("Giàng A-Xà (con)", "giang a xa con"),
        ("Phùng Thị Hường 2", "phung thi huong 2"),
        ("", ""),
    ],
)
def test_fold_strips_diacritics_case_and_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_treats_composed_and_decomposed_text_alike() -> None:
    composed = unicodedata.normalize("NFC", "Nguyễn Thị Ánh")
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == "nguyen thi anh"


def test_name_keys_are_the_word_suffixes() -> None:
    assert name_keys("nguyen van an") == ["nguyen van an", "van an", "an"]
    assert name_keys("an") == ["an"]
    assert name_keys("") == []


def test_clean_name_keeps_case_and_diacritics_in_nfc_with_single_spaces() -> None:
    given = unicodedata.normalize("NFD", "  Lò  Văn   Pằn ")
    assert clean_name(given) == unicodedata.normalize("NFC", "Lò Văn Pằn")
