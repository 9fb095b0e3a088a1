"""CCCD/CMND and Vietnamese phone numbers: what is accepted, how it is normalised, what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chihuy.core.errors import ApplicationError
from chihuy.people.validators import normalize_national_id, normalize_phone


@pytest.mark.parametrize(
    ("given_id", "birth_year", "sex", "stored"),
    [
        ("012090000123", 1990, "M", "012090000123"),  # Lai Châu, 20th century, male
        ("012 190 000 123", 1990, "F", "012190000123"),  # female: odd century digit
        ("001-205-000.001", 2005, "M", "001205000001"),  # 21st century, male
        ("001305000001", 2005, "F", "001305000001"),
        ("012090000123", None, None, "012090000123"),
        ("123456789", 1990, "F", "123456789"),  # a CMND says nothing of year or sex
        ("", 1990, "M", ""),
    ],
)
def test_valid_ids_are_normalised(given_id: str, birth_year: int | None, sex: str | None, stored: str) -> None:
    assert normalize_national_id(given_id, birth_year=birth_year, sex=sex) == stored


@pytest.mark.parametrize(
    ("given_id", "birth_year", "sex", "message"),
    [
        ("01209000012A", None, None, "Số CCCD/CMND chỉ gồm chữ số."),
        ("0120900001", None, None, "Số CCCD phải có 12 chữ số, CMND 9 chữ số (nhận được 10)."),
        ("003090000123", None, None, "3 số đầu của CCCD không phải mã tỉnh hợp lệ."),
        ("012090000123", 1991, None, "CCCD cho năm sinh 1990, khác năm sinh đã nhập (1991)."),
        ("012090000123", 1990, "F", "CCCD không khớp giới tính đã nhập."),
    ],
)
def test_invalid_ids_name_the_field(given_id: str, birth_year: int | None, sex: str | None, message: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        normalize_national_id(given_id, birth_year=birth_year, sex=sex)
    assert exc.value.details == [{"field": "national_id", "message": message}]


@pytest.mark.parametrize(
    ("given_phone", "stored"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("(+84) 86-123-4567", "0861234567"),
        ("912345678", "0912345678"),
        ("0213 3876 543", "02133876543"),  # landline with area code
        ("+84 213 3876 543", "02133876543"),
        ("+84 (0) 912 345 678", "0912345678"),  # the trunk 0 kept after the country code
        ("0084 912 345 678", "0912345678"),  # the international prefix written out
        ("+84 0213 3876 543", "02133876543"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_phones_are_normalised_to_the_national_form(given_phone: str, stored: str) -> None:
    assert normalize_phone(given_phone) == stored


@pytest.mark.parametrize(
    "given_phone", ["+1 202 555 0100", "0123456789", "091234567", "09123456789", "0612345678", "abc"]
)
def test_invalid_phones_name_the_field(given_phone: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        normalize_phone(given_phone)
    assert [d["field"] for d in exc.value.details] == ["phone"]


mobiles = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(["03", "05", "07", "08", "09"]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)
separators = st.sampled_from(["", " ", ".", "-"])


def spell(number: str, style: str, sep: str) -> str:
    """One way people write a stored number: national or international, grouped with a separator."""
    body = number[1:]
    groups = sep.join([body[:3], body[3:6], body[6:]])
    return {
        "national": "0" + groups,
        "plus84": "+84 " + groups,
        "plus84_trunk": "+84 (0)" + groups,
        "0084": "0084 " + groups,
        "84": "84" + body,
        "bare": body,
    }[style]


styles = st.sampled_from(["national", "plus84", "plus84_trunk", "0084", "84", "bare"])


@given(number=mobiles, style=styles, sep=separators)
def test_every_spelling_of_a_mobile_number_normalises_to_it(number: str, style: str, sep: str) -> None:
    assert normalize_phone(spell(number, style, sep)) == number


@given(number=mobiles)
def test_normalising_is_idempotent(number: str) -> None:
    once = normalize_phone(number)
    assert normalize_phone(once) == once == number


@given(text=st.text(max_size=20))
def test_any_text_is_either_a_valid_number_or_a_phone_field_error(text: str) -> None:
    try:
        result = normalize_phone(text)
    except ApplicationError as exc:
        assert [d["field"] for d in exc.details] == ["phone"]
        return
    assert result == "" or (result.isdigit() and len(result) in (10, 11) and result.startswith("0"))
