from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.vietqr import VietQRInvalid, ascii_message, crc16_ccitt, vietqr_payload


def test_payload_matches_a_published_napas_example():
    # A payload published with an open-source VietQR generator and scanned by banking apps:
    # 120,000 đ to VietinBank (970415) account 0011001932418, message "ủng hộ lũ lụt".
    payload = vietqr_payload(
        bank_bin="970415",
        account_number="0011001932418",
        amount=Decimal(120000),
        message="ủng hộ lũ lụt",
    )

    assert payload == (
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
        "530370454061200005802VN62170813ung ho lu lut6304C15C"
    )


def test_crc_is_ccitt_false():
    assert crc16_ccitt(b"123456789") == 0x29B1


def test_vietnamese_message_is_folded_to_ascii_and_cut_to_25():
    assert ascii_message("Thanh toán đơn WEB-000123 – Tiệm Hàng Giấy") == "Thanh toan don WEB000123"
    assert ascii_message("Đặt cọc") == "Dat coc"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bank_bin": "9704", "account_number": "1", "amount": 1},
        {"bank_bin": "970415", "account_number": "12-34", "amount": 1},
        {"bank_bin": "970415", "account_number": "1", "amount": Decimal("0.5")},
        {"bank_bin": "970415", "account_number": "1", "amount": -5},
    ],
)
def test_bad_bank_details_are_refused(kwargs):
    with pytest.raises(VietQRInvalid):
        vietqr_payload(**kwargs)


@given(
    amount=st.integers(min_value=1, max_value=10**12),
    message=st.text(max_size=60),
)
def test_every_payload_ends_with_its_own_checksum(amount, message):
    payload = vietqr_payload(
        bank_bin="970436", account_number="0071000123456", amount=amount, message=message
    )

    assert payload.isascii()
    assert payload[-8:-4] == "6304"
    assert int(payload[-4:], 16) == crc16_ccitt(payload[:-4].encode())
    assert f"54{len(str(amount)):02d}{amount}" in payload
