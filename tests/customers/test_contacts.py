import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from customers.contacts import normalize_email, normalize_phone, search_term_contact
from customers.exceptions import InvalidContactPoint

# Vietnamese mobile prefixes (after the leading 0 / +84), by carrier.
MOBILE_PREFIXES = [
    "32", "33", "34", "35", "36", "37", "38", "39",  # Viettel
    "86", "96", "97", "98",
    "70", "76", "77", "78", "79", "89", "90", "93",  # MobiFone
    "81", "82", "83", "84", "85", "88", "91", "94",  # VinaPhone
    "56", "58", "92",  # Vietnamobile
    "59", "99",  # Gmobile
]  # fmt: skip


@st.composite
def vn_mobile_nsn(draw):
    """A valid Vietnamese mobile number without the trunk 0: 9 digits."""
    nsn = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.from_regex(r"\A[0-9]{7}\Z"))
    assume(phonenumbers.is_valid_number(phonenumbers.parse("+84" + nsn)))
    return nsn


def _spread(draw, digits: str) -> str:
    """The digits with random separators (space, dot, dash) between some of them."""
    out = []
    for index, digit in enumerate(digits):
        if index and draw(st.booleans()):
            out.append(draw(st.sampled_from([" ", ".", "-", "  "])))
        out.append(digit)
    return "".join(out)


@st.composite
def written_forms(draw):
    nsn = draw(vn_mobile_nsn())
    prefix = draw(st.sampled_from(["0", "+84", "84", "+84 ", "0084", "(+84) ", "+84-"]))
    body = _spread(draw, nsn)
    padding = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return nsn, f"{padding}{prefix}{body}{padding}"


@given(written_forms())
def test_any_way_of_writing_a_vn_mobile_gives_the_same_e164(form):
    nsn, written = form

    assert normalize_phone(written) == "+84" + nsn


@given(vn_mobile_nsn(), st.data())
def test_two_writings_of_one_number_are_equal(nsn, data):
    first = data.draw(st.sampled_from(["0", "+84", "84"])) + _spread(data.draw, nsn)
    second = data.draw(st.sampled_from(["0", "+84 ", "0084"])) + _spread(data.draw, nsn)

    assert normalize_phone(first) == normalize_phone(second)


@given(st.from_regex(r"\A0?[0-9]{1,6}\Z"))
def test_too_short_numbers_are_refused(text):
    with pytest.raises(InvalidContactPoint) as error:
        normalize_phone(text)

    assert "not a valid phone number" in error.value.detail


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz#*@", min_size=1, max_size=12))
def test_text_that_is_not_a_number_is_refused(text):
    with pytest.raises(InvalidContactPoint):
        normalize_phone("09" + text)


@given(vn_mobile_nsn(), st.from_regex(r"\A[0-9]{3,6}\Z"))
def test_numbers_with_extra_digits_are_refused(nsn, extra):
    with pytest.raises(InvalidContactPoint):
        normalize_phone("0" + nsn + extra)


@pytest.mark.parametrize(
    "written", ["0909908089", "0909 908 089", "84909908089", "+84 909 908 089", "0909.908.089"]
)
def test_the_issue_examples(written):
    assert normalize_phone(written) == "+84909908089"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "it is empty"),
        ("0909", "it is too short"),
        ("09099080891234567", "it is too long"),
        ("0909abc089", "only digits"),
    ],
)
def test_invalid_phone_message_says_what_is_wrong(written, reason):
    with pytest.raises(InvalidContactPoint) as error:
        normalize_phone(written)

    assert reason in error.value.detail
    assert "phone" in error.value.fields


def test_emails_are_trimmed_and_lower_cased():
    assert normalize_email("  Anh.Toan@Example.VN ") == "anh.toan@example.vn"


@pytest.mark.parametrize("written", ["anh.toan", "anh@", "@example.vn", "a b@example.vn"])
def test_invalid_emails_are_refused(written):
    with pytest.raises(InvalidContactPoint) as error:
        normalize_email(written)

    assert "email" in error.value.fields


def test_search_terms_are_recognised_as_contacts():
    assert search_term_contact("0909 908 089") == ("phone", "+84909908089")
    assert search_term_contact("Anh@Example.vn") == ("email", "anh@example.vn")
    assert search_term_contact("Toản") is None


def _full_width(draw, text: str) -> str:
    """Some characters of ``text`` in their full-width forms (U+FF0B for +, U+FF10 for 0…)."""
    return "".join(
        chr(ord(char) + 0xFEE0) if char in "+0123456789().-" and draw(st.booleans()) else char
        for char in text
    )


@given(written_forms(), st.data())
def test_a_number_typed_in_full_width_characters_is_the_same_number(form, data):
    # given: the number with some characters full width (as CJK input methods type them)
    nsn, written = form
    full_width = _full_width(data.draw, written)

    # then
    assert normalize_phone(full_width) == "+84" + nsn


def test_a_full_width_plus_sign_is_accepted_like_a_plus_sign():
    assert normalize_phone("＋84 909 908 089") == "+84909908089"
    assert normalize_phone("＋８４９０９９０８０８９") == "+84909908089"
