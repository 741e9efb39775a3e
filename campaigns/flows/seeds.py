"""The flows and their vi + en templates as shipped: the data migration and ``seed_demo``
write these; the marketer edits them in the admin afterwards.

Kept free of model imports so a migration can use it with historical models.
"""

FLOWS = {
    "cart_abandoned": {
        "purpose": "marketing",
        "steps": [
            {"template": "cart_abandoned.1", "delay_minutes": 240, "window": [19, 21]},
            {"template": "cart_abandoned.2", "delay_minutes": 2 * 24 * 60, "window": [19, 21]},
        ],
    },
    "checkout_abandoned": {
        "purpose": "marketing",
        "steps": [{"template": "checkout_abandoned.1", "delay_minutes": 30, "channels": ["sms"]}],
    },
    "unpaid_order": {
        "purpose": "transactional",
        "steps": [{"template": "unpaid_order.1", "delay_minutes": 6 * 60}],
    },
    "payment_failed": {
        "purpose": "transactional",
        "steps": [{"template": "payment_failed.1", "delay_minutes": 1}],
    },
    "store_thank_you": {
        "purpose": "transactional",
        # Messenger when the till captured the shopper's id (the story's chat thank-you).
        "steps": [{"template": "store_thank_you.1", "delay_minutes": 5, "channels": ["messenger"]}],
    },
    "review_request": {
        "purpose": "transactional",
        "steps": [{"template": "review_request.1", "delay_minutes": 0, "window": [9, 20]}],
    },
    "review_thanks": {
        "purpose": "marketing",
        "steps": [{"template": "review_thanks.1", "delay_minutes": 10}],
        "referral_offer": "Bạn bè đặt đơn đầu trên 500.000 đ bằng mã của bạn: bạn nhận quà.",
    },
}

# code → (sample context, {language: (subject, body)}); the body serves every channel.
TEMPLATES = {
    "cart_abandoned.1": (
        {"name": "Hoa", "cart_url": "https://tiem.vn/cart/", "voucher_code": "FIRST-7K2Q"},
        {
            "vi": (
                "{{ name }} ơi, giỏ hàng vẫn chờ bạn",
                "Chào {{ name }}, giỏ hàng của bạn vẫn còn đây: {{ cart_url }}"
                "{% if voucher_code %} Mã giảm giá đơn đầu: {{ voucher_code }}{% endif %}",
            ),
            "en": (
                "{{ name }}, your cart is waiting",
                "Hi {{ name }}, your cart is still here: {{ cart_url }}"
                "{% if voucher_code %} Your first-order code: {{ voucher_code }}{% endif %}",
            ),
        },
    ),
    "cart_abandoned.2": (
        {
            "name": "Hoa",
            "cart_url": "",
            "combo_name": "Combo Tây Bắc",
            "combo_price": "1.350.000 đ",
            "combo_url": "https://tiem.vn/combo/x/",
        },
        {
            "vi": (
                "Combo dành cho {{ name }}",
                "{{ combo_name }} chỉ {{ combo_price }}: {{ combo_url }}",
            ),
            "en": (
                "A combo for {{ name }}",
                "{{ combo_name }} for only {{ combo_price }}: {{ combo_url }}",
            ),
        },
    ),
    "checkout_abandoned.1": (
        {
            "name": "Hoa",
            "store_name": "Showroom Hàng Giấy",
            "store_address": "12 Hàng Giấy",
            "opening_hours": "8:00-21:00",
        },
        {
            "vi": (
                "Ghé {{ store_name }}",
                "{{ name }} ơi, hàng bạn chọn có sẵn tại {{ store_name }}, {{ store_address }}"
                " ({{ opening_hours }}). Ghé xem nhé!",
            ),
            "en": (
                "Visit {{ store_name }}",
                "{{ name }}, what you picked is in stock at {{ store_name }}, {{ store_address }}"
                " ({{ opening_hours }}). Come and see!",
            ),
        },
    ),
    "unpaid_order.1": (
        {"name": "Hoa", "order_number": "W-1001", "total": "600.000 đ", "pay_url": "https://x/"},
        {
            "vi": (
                "Đơn {{ order_number }} chờ thanh toán",
                "Đơn {{ order_number }} ({{ total }}) đang chờ thanh toán: {{ pay_url }}",
            ),
            "en": (
                "Order {{ order_number }} awaits payment",
                "Order {{ order_number }} ({{ total }}) is waiting for payment: {{ pay_url }}",
            ),
        },
    ),
    "payment_failed.1": (
        {"name": "Hoa", "order_number": "W-1001", "total": "600.000 đ", "pay_url": "https://x/"},
        {
            "vi": (
                "Thanh toán đơn {{ order_number }} chưa thành công",
                "Thanh toán đơn {{ order_number }} chưa thành công. Thử lại: {{ pay_url }}",
            ),
            "en": (
                "Payment for {{ order_number }} did not go through",
                "The payment for order {{ order_number }} failed. Pay again: {{ pay_url }}",
            ),
        },
    ),
    "store_thank_you.1": (
        {
            "name": "Hoa",
            "store_name": "Showroom Hàng Giấy",
            "order_number": "P-1",
            "total": "1.350.000 đ",
        },
        {
            "vi": (
                "Cảm ơn {{ name }}",
                "Cảm ơn {{ name }} đã mua tại {{ store_name }} (đơn {{ order_number }},"
                " {{ total }}).",
            ),
            "en": (
                "Thank you, {{ name }}",
                "Thank you {{ name }} for shopping at {{ store_name }} (order {{ order_number }},"
                " {{ total }}).",
            ),
        },
    ),
    "review_request.1": (
        {"name": "Hoa", "product_name": "Thịt trâu gác bếp", "review_url": "https://x/"},
        {
            "vi": (
                "{{ product_name }} thế nào?",
                "{{ name }} ơi, bạn thấy {{ product_name }} thế nào? Đánh giá: {{ review_url }}",
            ),
            "en": (
                "How is {{ product_name }}?",
                "{{ name }}, how do you like {{ product_name }}? Review it: {{ review_url }}",
            ),
        },
    ),
    "review_thanks.1": (
        {"name": "Hoa", "referral_code": "HB7K2Q", "offer": "A gift for you."},
        {
            "vi": (
                "Cảm ơn đánh giá của {{ name }}",
                "Cảm ơn {{ name }}! Mã giới thiệu của bạn: {{ referral_code }}. {{ offer }}",
            ),
            "en": (
                "Thanks for your review, {{ name }}",
                "Thank you {{ name }}! Your referral code: {{ referral_code }}. {{ offer }}",
            ),
        },
    ),
}

TEMPLATE_CHANNELS = ("email", "sms", "messenger")


def seed(Flow, MessageTemplate) -> None:
    """Create the flows (off) and their templates where missing; never overwrite edits."""
    for code, spec in FLOWS.items():
        Flow.objects.get_or_create(
            code=code,
            defaults={
                "purpose": spec["purpose"],
                "steps": spec["steps"],
                "referral_offer": spec.get("referral_offer", ""),
            },
        )
    purposes = {
        f"{code}.{n}": spec["purpose"]
        for code, spec in FLOWS.items()
        for n in range(1, len(spec["steps"]) + 1)
    }
    for code, (sample, languages) in TEMPLATES.items():
        for channel in TEMPLATE_CHANNELS:
            for language, (subject, body) in languages.items():
                MessageTemplate.objects.get_or_create(
                    code=code,
                    channel=channel,
                    language=language,
                    defaults={
                        "purpose": purposes[code],
                        "subject": subject if channel == "email" else "",
                        "body": body,
                        "sample_context": sample,
                    },
                )
