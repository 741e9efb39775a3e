"""Eight tills register one new shopper at once, the phone written eight ways."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from customers.models import ConsentRecord, ContactPoint, Customer
from tests.factories import LocationFactory, channel_selling_from, terminal_with_token

WRITINGS = [
    "0909908089",
    "0909 908 089",
    "84909908089",
    "+84 909 908 089",
    "+84-909-908-089",
    "(+84) 909.908.089",
    "0084909908089",
    "＋８４ ９０９ ９０８ ０８９",
]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_new_phone_answer_one_201_and_the_rest_200():
    # given: eight terminals of one store
    store = LocationFactory()
    channel_selling_from(store, kind="pos", code="pos-hg")
    tokens = [terminal_with_token(location=store, name=f"Quầy {n}")[1] for n in range(8)]
    barrier = threading.Barrier(len(WRITINGS))
    answers, errors = [], []

    def register(token, phone):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        body = {
            "phone": phone,
            "full_name": "Nguyễn Văn Toản",
            "consents": [{"channel": "sms", "purpose": "marketing", "granted": True}],
        }
        try:
            barrier.wait()
            response = api.post("/api/v1/pos/customers/", body, format="json")
            answers.append((response.status_code, response.json().get("id")))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    # when: all at once
    threads = [
        threading.Thread(target=register, args=(token, phone))
        for token, phone in zip(tokens, WRITINGS, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one profile, created once; the others were told it existed
    assert errors == []
    assert sorted(status for status, _id in answers) == [200] * 7 + [201]
    customer = Customer.objects.get()
    assert {customer_id for _status, customer_id in answers} == {customer.pk}
    assert list(ContactPoint.objects.values_list("kind", "value")) == [("phone", "+84909908089")]
    assert ConsentRecord.objects.filter(customer=customer).count() == 8
