"""Viet Nam's administrative units since 1 July 2025: 34 provinces/cities, then wards/communes.

The list comes from the ``vietnam-provinces`` package (the General Statistics Office's codes,
kept up to date by its maintainer); nothing here is typed by hand. Codes are kept as the
GSO writes them, zero-padded strings: Hà Nội is ``"01"``, Phường Cầu Giấy ``"00167"``.

Addresses (the address book, a cart's and an order's ``shipping_address``) are dicts. Since
the reform they hold ``province_code``/``province`` and ``ward_code``/``ward``; an address
typed before it, or received from a marketplace, holds ``district``/``city`` instead and is
kept and shown exactly as written (:func:`address_text`).
"""

from functools import cache

from vietnam_provinces import Province, Ward

# Sorting ignores the unit's kind, so "Phường Cầu Giấy" sits under C, next to "Xã Cao Dương".
_WARD_KIND_PREFIXES = ("phuong_", "xa_", "dac_khu_")


def _province_code(code: int) -> str:
    return f"{int(code):02d}"


def _ward_code(code: int) -> str:
    return f"{int(code):05d}"


def _ward_sort_key(ward: Ward) -> str:
    name = ward.codename
    for prefix in _WARD_KIND_PREFIXES:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


@cache
def provinces() -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of every province and centrally-run city, in alphabetical order."""
    return tuple(
        (_province_code(province.code), province.name)
        for province in sorted(Province.iter_all(), key=lambda province: province.codename)
    )


@cache
def _wards_by_province() -> dict[str, tuple[tuple[str, str], ...]]:
    grouped: dict[str, list[Ward]] = {}
    for ward in Ward.iter_all():
        grouped.setdefault(_province_code(ward.province_code), []).append(ward)
    return {
        code: tuple(
            (_ward_code(ward.code), ward.name) for ward in sorted(wards, key=_ward_sort_key)
        )
        for code, wards in grouped.items()
    }


def wards(province_code: str) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` of the province's wards and communes, alphabetical; () if unknown."""
    return _wards_by_province().get(province_code or "", ())


def province_name(code: str) -> str | None:
    return dict(provinces()).get(code or "")


def ward_name(*, province_code: str, ward_code: str) -> str | None:
    """The ward's name if ``ward_code`` is a ward of that province, else None."""
    return dict(wards(province_code)).get(ward_code or "")


def province_choices() -> list[tuple[str, str]]:
    """For a model field's ``choices`` (a callable keeps the list out of migrations)."""
    return list(provinces())


def ward_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every ward, grouped under its province (``<optgroup>`` in a select)."""
    return [(name, list(wards(code))) for code, name in provinces()]


def address_text(address: dict | None, *, with_recipient: bool = False) -> str:
    """One line a person reads: "12 Trần Thái Tông, Phường Cầu Giấy, Thành phố Hà Nội".

    A two-level address shows its ward and province; an older three-level one (a ward, a
    district and a city typed before July 2025, or a marketplace's) shows what was written.
    """
    if not isinstance(address, dict):
        return ""
    parts = [address.get("line1"), address.get("line2")]
    if address.get("province_code"):
        parts += [address.get("ward"), address.get("province")]
    else:
        parts += [address.get("ward"), address.get("district"), address.get("city")]
    text = ", ".join(str(part).strip() for part in parts if part and str(part).strip())
    if with_recipient and address.get("name"):
        text = f"{address['name']} · {text}"
    return text


def address_is_legacy(address: dict | None) -> bool:
    """Written before the 2025 reform (or by a marketplace): no province code to go by."""
    return isinstance(address, dict) and bool(address) and not address.get("province_code")
