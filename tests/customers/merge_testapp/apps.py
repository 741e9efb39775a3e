from django.apps import AppConfig


class MergeTestAppConfig(AppConfig):
    """An app the customers app knows nothing about, for the merge tests."""

    name = "tests.customers.merge_testapp"
    label = "merge_testapp"
    default_auto_field = "django.db.models.BigAutoField"
