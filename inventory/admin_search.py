"""The admin's search box without accents: "ca phe" finds "Cà phê sữa đá".

Django's ``search_fields`` compare the typed text with the stored one as is, so staff who
type without marks (most do, on a keyboard without a Vietnamese input method) find nothing.
Screens answer their search with :func:`folded_search_results` instead (from their
``get_search_results``): they search
folded columns (``Product.search_text``, kept by the catalog services;
``Customer.search_name``, kept by its ``save``) the way the store's search does
(:mod:`inventory.search`). A row matches when every folded word of the query is in one of
the ``folded`` columns or, compared case-insensitively, one of the ``words`` columns (a
SKU's part, a variant's size); or when the whole query equals one of the ``codes`` lookups
(``sku__iexact``, ``barcode``).

Customers and orders answer their search through their own selectors
(``customers.selectors.customer_search``), which fold names the same way.
"""

from django.db.models import Q, QuerySet

from inventory.search import search_terms


def folded_search_condition(
    term: str, *, folded: tuple[str, ...] = (), words: tuple[str, ...] = (), codes=()
) -> Q:
    condition = Q(pk__in=[])
    terms = search_terms(term)
    if terms and (folded or words):
        per_word = []
        for word in terms:
            either = Q(pk__in=[])
            for path in folded:
                either |= Q(**{f"{path}__contains": word})
            for path in words:
                either |= Q(**{f"{path}__icontains": word})
            per_word.append(either)
        condition |= Q(*per_word)
    for lookup in codes:
        condition |= Q(**{lookup: term.strip()})
    return condition


def folded_search_results(
    queryset: QuerySet, search_term: str, *, folded=(), words=(), codes=()
) -> tuple[QuerySet, bool]:
    """What ``ModelAdmin.get_search_results`` returns: the matching rows, no duplicates."""
    term = (search_term or "").strip()
    if not term:
        return queryset, False
    condition = folded_search_condition(term, folded=folded, words=words, codes=codes)
    # Matched in a subquery: a path through many rows (a product's variants) would
    # otherwise list a row once per match.
    matching = queryset.model._default_manager.filter(condition).values("pk")
    return queryset.filter(pk__in=matching), False
