import uuid

import pytest
from rest_framework.exceptions import ValidationError

from config.api.fields import StrictUUIDField


@pytest.mark.parametrize("value", [False, True, 0, 1, 123, 1.5, None, [], {}])
def test_a_strict_uuid_field_refuses_anything_but_a_string(value):
    with pytest.raises(ValidationError):
        StrictUUIDField().run_validation(value)


def test_a_strict_uuid_field_reads_a_uuid_string():
    value = "0f8fad5b-d9cb-469f-a165-70867728950e"

    assert StrictUUIDField().run_validation(value) == uuid.UUID(value)
