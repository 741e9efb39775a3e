import logging

from config.logs import KeyValueFormatter, RedactPersonalData


def render(message, *args, **extra):
    record = logging.makeLogRecord(
        {
            "name": "orders",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": message,
            "args": args,
            **extra,
        }
    )
    RedactPersonalData().filter(record)
    return KeyValueFormatter().format(record)


def test_emails_and_phones_never_reach_the_log_line():
    line = render(
        "customer %s resolved by phone %s",
        "Toan.Nguyen@Example.vn",
        "+84 909 908 089",
        contact="0909908089",
    )

    assert "Example.vn" not in line
    assert "909" not in line
    assert "customer [email] resolved by phone [phone]" in line
    assert "contact=[phone]" in line


def test_personal_data_inside_structured_extras_is_masked():
    line = render("task received", data={"args": "('0909908089', 'a@b.vn')", "id": "t-1"})

    assert "0909908089" not in line
    assert "a@b.vn" not in line
    assert "t-1" in line


def test_ordinary_numbers_and_ids_survive():
    line = render("order %s total %s", "WEB-000123", 1350000)

    assert 'message="order WEB-000123 total 1350000"' in line
    assert "logger=orders" in line
