"""Signed review links: the review request message points the shopper at one.

The token is the credential (the shopper need not log in), so it carries only the
customer and product ids, is signed with its own salt and expires.
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from customers.models import Customer
from inventory.models import Product

REVIEW_REQUEST_SALT = "review-request"
REVIEW_REQUEST_MAX_AGE = timedelta(days=30)


def review_request_token(customer: Customer, product: Product) -> str:
    """The signed token of a review link for this customer and product (valid 30 days)."""
    return signing.dumps(
        {"c": customer.pk, "p": product.pk}, salt=REVIEW_REQUEST_SALT, compress=True
    )


def review_request_path(customer: Customer, product: Product) -> str:
    """The path of the review page for this token, for campaigns to put in a message."""
    return reverse("customers:review-signed", args=[review_request_token(customer, product)])


def review_request_token_read(*, token: str) -> tuple[int, int]:
    """(customer id, product id) of a token.

    Raises ``signing.SignatureExpired`` after 30 days and ``signing.BadSignature`` (its
    parent) when the token was forged, damaged or is not a review token.
    """
    data = signing.loads(token, salt=REVIEW_REQUEST_SALT, max_age=REVIEW_REQUEST_MAX_AGE)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("c"), int)
        or not isinstance(data.get("p"), int)
    ):
        raise signing.BadSignature("Unexpected review token content.")
    return data["c"], data["p"]
