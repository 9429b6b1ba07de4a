"""Tax ids: python-stdnum decides; every length, valid and invalid."""
import pytest

from app.clients.inn import validate_inn
from app.core.errors import ValidationFailed


@pytest.mark.parametrize("raw, country, expected", [
    ("7707083893", None, ("7707083893", "RU")),          # 10-digit company INN
    ("7736207543", "RU", ("7736207543", "RU")),
    ("500100732259", None, ("500100732259", "RU")),      # 12-digit individual INN
    ("7707 083 893", None, ("7707083893", "RU")),        # spaces are dropped
    ("32855961", None, ("32855961", "UA")),              # 8-digit EDRPOU
    ("00032129", "UA", ("00032129", "UA")),
])
def test_valid(raw, country, expected):
    assert validate_inn(raw, country) == expected


@pytest.mark.parametrize("raw, country", [
    ("7707083894", None),      # 10 digits, wrong check digit
    ("500100732258", None),    # 12 digits, wrong check digits
    ("32855962", None),        # 8 digits, wrong EDRPOU check digit
    ("770708389", None),       # 9 digits
    ("77070838931", None),     # 11 digits
    ("1234567", None),         # 7 digits
    ("7707O83893", None),      # a letter O
    ("", None),
    ("   ", None),
    ("7707083893", "UA"),      # a Russian INN is not an EDRPOU
    ("32855961", "RU"),        # and the other way round
    ("7707083893", "KZ"),      # unknown country
])
def test_invalid(raw, country):
    with pytest.raises(ValidationFailed) as info:
        validate_inn(raw, country)
    assert info.value.code in ("invalid_inn", "invalid_country")
    assert info.value.status == 422
