import pytest

from tests.orders.till_setup import till_selling_a_jar


@pytest.fixture
def till():
    """The Hàng Giấy showroom's till selling one jar (``tests.orders.till_setup.Till``).

    Test modules here that define a ``till`` of their own use theirs."""
    return till_selling_a_jar()
