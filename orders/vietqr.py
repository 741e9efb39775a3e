"""VietQR (NAPAS 247) payloads for bank transfers: the text a banking app scans.

EMVCo merchant-presented QR: ID-length-value fields, merchant account information under
ID 38 (NAPAS GUID, the bank's BIN and the account, service "transfer to account"),
currency 704 (VND), the amount, country VN, the message under 62/08 and a CRC-16/CCITT
checksum. Banking apps accept only ASCII in the message, so Vietnamese is folded.
"""

import re
import unicodedata
from decimal import Decimal

NAPAS_GUID = "A000000727"
SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
MESSAGE_MAX_LENGTH = 25


class VietQRInvalid(ValueError):
    pass


def vietqr_payload(
    *, bank_bin: str, account_number: str, amount: Decimal | int | None, message: str = ""
) -> str:
    """The payload for a transfer of ``amount`` đồng to the account (dynamic QR if amount)."""
    if not re.fullmatch(r"\d{6}", bank_bin):
        raise VietQRInvalid("The bank BIN is 6 digits, e.g. 970436 for Vietcombank.")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account_number):
        raise VietQRInvalid("The account number is 1 to 19 letters or digits.")
    if amount is not None and (Decimal(amount) <= 0 or Decimal(amount) != int(amount)):
        raise VietQRInvalid("The amount is a positive whole number of đồng.")

    bank = _field("00", bank_bin) + _field("01", account_number)
    merchant = (
        _field("00", NAPAS_GUID) + _field("01", bank) + _field("02", SERVICE_TRANSFER_TO_ACCOUNT)
    )
    payload = _field("00", "01") + _field("01", "12" if amount is not None else "11")
    payload += _field("38", merchant) + _field("53", CURRENCY_VND)
    if amount is not None:
        payload += _field("54", str(int(amount)))
    payload += _field("58", "VN")
    text = ascii_message(message)
    if text:
        payload += _field("62", _field("08", text))
    payload += "6304"
    return payload + f"{crc16_ccitt(payload.encode('ascii')):04X}"


def ascii_message(message: str) -> str:
    """Fold Vietnamese to ASCII letters, digits and spaces: "Đơn WEB-12" → "Don WEB12"."""
    folded = unicodedata.normalize("NFKD", message.replace("đ", "d").replace("Đ", "D"))
    ascii_only = folded.encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^0-9A-Za-z ]", "", ascii_only)
    return re.sub(r" +", " ", cleaned).strip()[:MESSAGE_MAX_LENGTH].rstrip()


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as EMVCo requires."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _field(field_id: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRInvalid(f"Field {field_id} is longer than 99 characters.")
    return f"{field_id}{len(value):02d}{value}"
