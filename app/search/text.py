"""Words → stems, for the index and for queries alike (pure: no database, no Flask)."""
import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")
_RUSSIAN = Stemmer.Stemmer("russian")
_ENGLISH = Stemmer.Stemmer("english")
#: longer "words" are noise (hashes, base64): not indexed
MAX_WORD = 40


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one lower-cased word: Russian for Cyrillic, English for Latin, digits as they are."""
    if word.isdigit():
        return word
    if _CYRILLIC.search(word):
        return _RUSSIAN.stemWord(word.replace("ё", "е"))
    return _ENGLISH.stemWord(word)


def words(text: str | None) -> list[str]:
    return [w for w in _WORD.findall((text or "").lower()) if len(w) <= MAX_WORD]


def terms(text: str | None) -> str:
    """The stems of a text, space-separated, as the index stores them."""
    return " ".join(stem(w) for w in words(text))


def query_terms(query: str | None, limit: int = 12) -> list[str]:
    """The distinct stems of what someone typed, in order (each is matched as a prefix, so a word
    being typed still finds: «принт» → принтер, «1» → 1, 10, 11…)."""
    seen: list[str] = []
    for word in words(query):
        term = stem(word)
        if term not in seen:
            seen.append(term)
    return seen[:limit]
