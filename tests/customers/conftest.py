import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Assertions on error messages read the English text (the default language is vi)."""
    with translation.override("en"):
        yield
