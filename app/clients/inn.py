"""Tax ids of client companies, validated by python-stdnum.

Russia: INN of 10 digits (organisations) or 12 (individual entrepreneurs).
Ukraine: EDRPOU of 8 digits (organisations).
"""
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as ru_inn
from stdnum.ua import edrpou as ua_edrpou

from app.core.errors import ValidationFailed
from app.core.i18n import lazy_gettext as _l

COUNTRIES = ("RU", "UA")
_VALIDATORS = {"RU": ru_inn, "UA": ua_edrpou}


def country_for(number: str) -> str:
    """Guess the country from the length of a compacted number (8 digits = EDRPOU)."""
    return "UA" if len(number) == 8 else "RU"


def validate_inn(raw: str, country: str | None = None) -> tuple[str, str]:
    """Return `(digits, country)` or raise `ValidationFailed(code='invalid_inn')`."""
    raw = (raw or "").strip()
    if not raw:
        raise ValidationFailed(str(_l("Enter the tax id (INN).")), code="invalid_inn", field="inn")
    number = ru_inn.compact(raw)  # drops spaces and dashes
    country = (country or country_for(number)).upper()
    validator = _VALIDATORS.get(country)
    if validator is None:
        raise ValidationFailed(str(_l("Unknown country %(c)s: expected RU or UA.", c=country)),
                               code="invalid_country", field="country")
    try:
        return validator.validate(number), country
    except InvalidLength:
        detail = _l("wrong number of digits")
    except InvalidFormat:
        detail = _l("only digits are allowed")
    except InvalidChecksum:
        detail = _l("the check digits do not match")
    except StdnumError:
        detail = _l("not a valid number")
    hint = (_l("A Russian INN has 10 or 12 digits with valid check digits.") if country == "RU"
            else _l("A Ukrainian EDRPOU has 8 digits with a valid check digit."))
    raise ValidationFailed(str(_l("Invalid tax id %(raw)s: %(detail)s.", raw=raw, detail=detail)) + " " + str(hint),
                           code="invalid_inn", field="inn")
