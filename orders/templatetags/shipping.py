"""``{% shipping_note as note %}``: what delivery costs, for pages of other apps (the product
page is the catalog's, which cannot import orders)."""

from django import template

from orders.shipping import shipping_note as _shipping_note

register = template.Library()


@register.simple_tag
def shipping_note():
    return _shipping_note()
