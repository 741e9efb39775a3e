"""Two logins proving the same phone at once (PostgreSQL): one joins the held profile."""

import re
import threading

import pytest
from django.db import connection

from config.transports import memory
from customers.exceptions import CustomersError
from customers.models import Customer, CustomerMerge
from customers.services import contact_verification_confirm, one_time_code_send, shopper_signup
from tests.factories import customer_with

PHONE = "+84909908089"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_claimants_with_right_codes_racing_join_the_held_profile_once():
    # given: a profile seen at the till; two sign-ups with its phone, each with its code
    held = customer_with(phone=PHONE)
    claims = []
    for number in range(2):
        fresh = shopper_signup(password="bánh-cuốn-2026", email=f"c{number}@example.vn")
        one_time_code_send(customer=fresh, purpose="contact", kind="phone", value=PHONE)
        code = re.search(r"\b(\d{6})\b", memory.sent_on("sms")[-1].body).group(1)
        claims.append((fresh, code))
    barrier, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def confirm(fresh, code):
        try:
            barrier.wait()
            contact_verification_confirm(customer=fresh, kind="phone", value=PHONE, code=code)
            outcome = "joined"
        except CustomersError as error:
            outcome = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    # when
    threads = [threading.Thread(target=confirm, args=claim) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(outcomes) == ["contact_belongs_to_account", "joined"]
    held.refresh_from_db()
    assert held.user_id in {fresh.user_id for fresh, _code in claims}
    assert CustomerMerge.objects.count() == 1
    loser = next(fresh for fresh, _code in claims if fresh.user_id != held.user_id)
    assert Customer.objects.get(pk=loser.pk).merged_into_id is None
