"""The names staff read in the admin, in their language, without naming each one twice.

A model's name ("stock level"), its plural ("stock levels") and a field's label ("total
amount") default to English derived from the Python names; Django shows those as they are,
in any language. :func:`translate_derived_labels` (called when the apps are ready) passes
every such name of our apps through gettext, so the English stays the source (the msgid is
the derived name) and ``locale/vi/LC_MESSAGES/django.po`` holds the Vietnamese. Only the
runtime label changes: migrations keep seeing the fields as declared (Django deconstructs
a field from the arguments it was given), so this needs no migration.

A new model or field needs its Vietnamese in the catalog:
``tests/platform/test_admin_language.py`` lists every name still without one.
"""

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

# The apps whose names are ours to translate (Django's own apps have their catalogs).
OUR_APPS = ("platform", "inventory", "customers", "orders", "campaigns", "reports")


def _lazy(text):
    return text if isinstance(text, Promise) else gettext_lazy(str(text))


def our_models():
    return [model for model in apps.get_models() if model._meta.app_label in OUR_APPS]


def translate_derived_labels() -> None:
    for app_config in apps.get_app_configs():
        if app_config.label in OUR_APPS:
            app_config.verbose_name = _lazy(app_config.verbose_name)
    for model in our_models():
        opts = model._meta
        if "verbose_name" not in opts.original_attrs or not isinstance(opts.verbose_name, Promise):
            opts.verbose_name = _lazy(opts.verbose_name)
        if "verbose_name_plural" not in opts.original_attrs:
            # Django's default plural is the English name plus "s", which no catalog holds.
            opts.verbose_name_plural = gettext_lazy(f"{opts.verbose_name_raw}s")
        elif not isinstance(opts.verbose_name_plural, Promise):
            opts.verbose_name_plural = _lazy(opts.verbose_name_plural)
        for field in opts.local_fields + opts.local_many_to_many:
            if field.verbose_name is not None and not isinstance(field.verbose_name, Promise):
                field.verbose_name = _lazy(field.verbose_name)
