"""Accent-insensitive catalog search that works the same on SQLite and PostgreSQL.

Shoppers type Vietnamese without its marks ("thit trau gac bep" for "Thịt trâu gác bếp").
Neither database folds accents portably (PostgreSQL's ``unaccent`` is an extension, SQLite
has nothing), so each product keeps ``search_text``: its names, brand and SKUs folded once
when written (lower case, marks dropped, đ → d). A query is folded the same way and every
word must appear in it (``contains``: both sides are folded).
"""

import re
import unicodedata

# A search is a handful of words; more than this is not a shopper typing.
SEARCH_WORDS_MAX = 8
# Letters, digits and the hyphens of SKUs (MAC-KHEN-100); commas and the like are dropped.
_WORD = re.compile(r"\w[\w-]*")


def search_fold(text: str) -> str:
    """``Thịt Trâu GÁC BẾP, Đà Lạt`` → ``thit trau gac bep, da lat``."""
    # đ/Đ is a letter of its own, not d with a mark, so NFKD leaves it alone.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def search_text_for(*, name: str, name_en: str = "", brand: str = "", skus=()) -> str:
    """What a product is found by: both names, the brand and its variants' SKUs, folded."""
    return search_fold(" ".join([name, name_en, brand, *sorted(skus)]))


def search_terms(query: str) -> list[str]:
    """The folded words of a shopper's query, each of which must match."""
    return _WORD.findall(search_fold(query))[:SEARCH_WORDS_MAX]
