"""Demo data of the inventory app, written through its services (used by ``seed_demo``)."""

from decimal import Decimal
from io import BytesIO

from inventory.models import (
    GoodsReceipt,
    Location,
    SalesChannel,
    StockMovement,
    gtin_with_check_digit,
)
from inventory.search import search_fold
from inventory.services import (
    ReceiptLine,
    StockLine,
    category_upsert,
    goods_receipt_post,
    location_upsert,
    product_image_add,
    product_upsert,
    sales_channel_upsert,
    stock_receive,
    supplier_upsert,
    variant_upsert,
)

# The 2025 units (config.divisions) of the demo's places.
HA_NOI, HO_CHI_MINH = "01", "79"


def demo_locations_and_channels() -> dict[str, Location | SalesChannel]:
    warehouse = location_upsert(
        code="kho-long-bien",
        name="Kho Long Biên",
        kind=Location.Kind.WAREHOUSE,
        address="Số 8 Ngọc Thụy, Phường Long Biên",
        city="Hà Nội",
        province_code=HA_NOI,
        ward_code="00148",  # Phường Long Biên
        latitude=Decimal("21.054300"),
        longitude=Decimal("105.866100"),
    )
    hang_giay = location_upsert(
        code="hn-hang-giay",
        name="Showroom Hàng Giấy",
        kind=Location.Kind.STORE,
        address="25 Hàng Giấy, Phường Hoàn Kiếm",
        city="Hà Nội",
        province_code=HA_NOI,
        ward_code="00070",  # Phường Hoàn Kiếm
        latitude=Decimal("21.036900"),
        longitude=Decimal("105.850200"),
        opening_hours="08:00–21:30",
        accepts_pickup=True,
    )
    saigon = location_upsert(
        code="hcm-quan-1",
        name="Cửa hàng Quận 1",
        kind=Location.Kind.STORE,
        address="120 Lê Thánh Tôn, Phường Sài Gòn",
        city="TP. Hồ Chí Minh",
        province_code=HO_CHI_MINH,
        ward_code="26740",  # Phường Sài Gòn (Bến Nghé, Quận 1 before July 2025)
        latitude=Decimal("10.776100"),
        longitude=Decimal("106.700900"),
        opening_hours="09:00–22:00",
        accepts_pickup=True,
    )
    web = sales_channel_upsert(
        code="web",
        name="Web store",
        kind=SalesChannel.Kind.WEB,
        locations=[warehouse, hang_giay, saigon],
        safety_buffer=0,
    )
    shopee = sales_channel_upsert(
        code="shopee",
        name="Shopee",
        kind=SalesChannel.Kind.MARKETPLACE,
        locations=[warehouse],
        safety_buffer=2,
        publish_percentage=80,
    )
    pos_hang_giay = sales_channel_upsert(
        code="pos-hn-hang-giay",
        name="POS Hàng Giấy",
        kind=SalesChannel.Kind.POS,
        locations=[hang_giay],
    )
    pos_saigon = sales_channel_upsert(
        code="pos-hcm-quan-1",
        name="POS Quận 1",
        kind=SalesChannel.Kind.POS,
        locations=[saigon],
    )
    return {
        "warehouse": warehouse,
        "hang_giay": hang_giay,
        "saigon": saigon,
        "web": web,
        "shopee": shopee,
        "pos_hang_giay": pos_hang_giay,
        "pos_saigon": pos_saigon,
    }


# (slug, Vietnamese name, English name, category, brand, [(variant name, price in đồng)])
CATEGORIES = [
    ("gia-vi", "Gia vị Tây Bắc", "Northwest spices"),
    ("thit-gac-bep", "Thịt gác bếp", "Smoked meats"),
    ("tra", "Trà", "Tea"),
    ("do-kho", "Đồ khô", "Dried goods"),
    ("mat-ong", "Mật ong", "Honey"),
]
WEIGHTS = [("100 g", 1), ("250 g", 2.3), ("500 g", 4.4)]
PRODUCTS = [
    ("mac-khen", "Mắc khén rừng", "Wild mac khen pepper", "gia-vi", 85_000),
    ("hat-doi", "Hạt dổi rừng", "Wild doi seeds", "gia-vi", 120_000),
    ("tieu-rung", "Tiêu rừng", "Wild pepper", "gia-vi", 95_000),
    ("thao-qua", "Thảo quả", "Black cardamom", "gia-vi", 70_000),
    ("hoi-lang-son", "Hoa hồi Lạng Sơn", "Lang Son star anise", "gia-vi", 65_000),
    ("que-yen-bai", "Quế Yên Bái", "Yen Bai cinnamon", "gia-vi", 55_000),
    ("ot-hiem", "Ớt hiểm sấy", "Dried bird's eye chilli", "gia-vi", 45_000),
    ("muoi-tom", "Muối tôm Tây Ninh", "Tay Ninh shrimp salt", "gia-vi", 40_000),
    ("muoi-ot-xanh", "Muối ớt xanh", "Green chilli salt", "gia-vi", 42_000),
    ("cham-cheo", "Chẩm chéo", "Cham cheo dipping spice", "gia-vi", 60_000),
    ("sa-te", "Sa tế tôm", "Shrimp satay", "gia-vi", 48_000),
    ("bot-nghe", "Bột nghệ", "Turmeric powder", "gia-vi", 50_000),
    ("trau-gac-bep", "Thịt trâu gác bếp", "Smoked buffalo meat", "thit-gac-bep", 250_000),
    ("lon-gac-bep", "Thịt lợn gác bếp", "Smoked pork", "thit-gac-bep", 210_000),
    ("lap-xuong", "Lạp xưởng Mộc Châu", "Moc Chau sausage", "thit-gac-bep", 160_000),
    ("bo-kho", "Bò khô", "Beef jerky", "thit-gac-bep", 230_000),
    ("ca-suoi", "Cá suối nướng", "Grilled stream fish", "thit-gac-bep", 190_000),
    ("chan-gio-hun-khoi", "Chân giò hun khói", "Smoked pork knuckle", "thit-gac-bep", 180_000),
    ("xuc-xich-rung", "Xúc xích rừng", "Forest sausage", "thit-gac-bep", 150_000),
    ("nem-chua", "Nem chua Thanh Hoá", "Thanh Hoa fermented pork", "thit-gac-bep", 90_000),
    ("tra-shan-tuyet", "Trà Shan tuyết", "Shan tuyet tea", "tra", 220_000),
    ("tra-thai-nguyen", "Trà Thái Nguyên", "Thai Nguyen tea", "tra", 150_000),
    ("tra-sen", "Trà sen Tây Hồ", "West Lake lotus tea", "tra", 350_000),
    ("tra-oolong", "Trà ô long Lâm Đồng", "Lam Dong oolong", "tra", 260_000),
    ("tra-atiso", "Trà atisô", "Artichoke tea", "tra", 80_000),
    ("tra-gung", "Trà gừng", "Ginger tea", "tra", 60_000),
    ("tra-hoa-cuc", "Trà hoa cúc", "Chrysanthemum tea", "tra", 90_000),
    ("tra-nhai", "Trà nhài", "Jasmine tea", "tra", 110_000),
    ("tra-voi", "Trà vối", "Voi leaf tea", "tra", 50_000),
    ("ca-phe-son-la", "Cà phê Sơn La", "Son La coffee", "tra", 140_000),
    ("mang-kho", "Măng khô", "Dried bamboo shoots", "do-kho", 120_000),
    ("nam-huong", "Nấm hương rừng", "Wild shiitake", "do-kho", 180_000),
    ("moc-nhi", "Mộc nhĩ", "Wood ear mushroom", "do-kho", 70_000),
    ("mien-dong", "Miến dong", "Canna noodles", "do-kho", 55_000),
    ("gao-nep-cai", "Gạo nếp cái hoa vàng", "Yellow flower sticky rice", "do-kho", 45_000),
    ("hat-sen", "Hạt sen", "Lotus seeds", "do-kho", 130_000),
    ("tao-meo", "Táo mèo", "Wild apple", "do-kho", 65_000),
    ("mo-say", "Ô mai mơ", "Candied apricot", "do-kho", 75_000),
    ("banh-da", "Bánh đa", "Rice crackers", "do-kho", 30_000),
    ("hat-dieu", "Hạt điều Bình Phước", "Binh Phuoc cashews", "do-kho", 190_000),
    ("lac-rang", "Lạc rang", "Roasted peanuts", "do-kho", 40_000),
    ("vung-den", "Vừng đen", "Black sesame", "do-kho", 50_000),
    ("mat-ong-rung", "Mật ong rừng", "Wild honey", "mat-ong", 280_000),
    ("mat-ong-hoa-ban", "Mật ong hoa ban", "Bauhinia honey", "mat-ong", 320_000),
    ("mat-ong-bac-ha", "Mật ong bạc hà", "Mint honey", "mat-ong", 450_000),
    ("mat-ong-nhan", "Mật ong hoa nhãn", "Longan honey", "mat-ong", 240_000),
    ("mat-ong-cafe", "Mật ong hoa cà phê", "Coffee blossom honey", "mat-ong", 220_000),
    ("phan-hoa", "Phấn hoa", "Bee pollen", "mat-ong", 260_000),
    ("sap-ong", "Sáp ong", "Beeswax", "mat-ong", 90_000),
    ("ruou-mo", "Rượu mơ", "Apricot wine", "mat-ong", 200_000),
]
OPENING_STOCK = "demo:opening-stock"
# The second line of each product's description, by category: (Vietnamese, English).
HOW_TO_KEEP = {
    "gia-vi": (
        "Rang sơ rồi giã dập trước khi nấu để dậy mùi. Bảo quản trong lọ kín, nơi khô ráo.",
        "Toast lightly and crush before cooking to wake the aroma. Keep in a closed jar, dry.",
    ),
    "thit-gac-bep": (
        "Hấp 10 phút hoặc nướng qua rồi xé sợi. Bảo quản ngăn mát, dùng trong 3 tháng.",
        "Steam for 10 minutes or grill, then tear into strips. Refrigerate; eat within 3 months.",
    ),
    "tra": (
        "Tráng ấm bằng nước sôi, hãm 3–5 phút với nước 85–90 °C. Đậy kín sau khi mở túi.",
        "Rinse the pot with boiling water, steep 3–5 minutes at 85–90 °C. Reseal after opening.",
    ),
    "do-kho": (
        "Ngâm nước ấm cho nở trước khi chế biến. Bảo quản nơi khô ráo, tránh ánh nắng.",
        "Soak in warm water before cooking. Keep dry and out of the sun.",
    ),
    "mat-ong": (
        "Pha với nước ấm dưới 40 °C để giữ dưỡng chất. Mật ong kết tinh khi lạnh là tự nhiên.",
        "Mix with water below 40 °C to keep its goodness. Honey that crystallises in the cold "
        "is natural.",
    ),
}
# Every tenth product is sold out (nothing received anywhere); others miss at some shops.
SOLD_OUT_EVERY = 10


# A font with Vietnamese letters (Đ, Ớ …), where the system has one (Debian's fonts-dejavu).
DEMO_FONTS = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _demo_image(text: str, seed: int) -> bytes:
    """A coloured square with the initials of the product's Vietnamese name ("Thịt trâu gác
    bếp" → TTG): drawn here, nothing downloaded."""
    from PIL import Image, ImageDraw, ImageFont

    colour = ((seed * 67) % 200 + 30, (seed * 131) % 200 + 30, (seed * 29) % 200 + 30)
    image = Image.new("RGB", (320, 320), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(word[0] for word in text.split()[:3]).upper()
    font = None
    for name in DEMO_FONTS:
        try:
            font = ImageFont.truetype(name, 96)
            break
        except OSError:
            continue
    if font is None:
        # Pillow's own font has no Vietnamese marks: the letters without them, not boxes.
        initials = search_fold(initials).upper()
        font = ImageFont.load_default(96)
    draw.rectangle((20, 20, 300, 300), outline=(255, 255, 255), width=6)
    draw.text((160, 160), initials, fill=(255, 255, 255), anchor="mm", font=font)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def demo_catalog_and_stock(*, places: dict) -> int:
    """~50 products with variants, barcodes, generated images and opening stock, all through
    the services. Safe to run again: nothing is duplicated and stock is received once."""
    categories = {
        slug: category_upsert(slug=slug, name=name, name_en=name_en, position=index)
        for index, (slug, name, name_en) in enumerate(CATEGORIES)
    }
    lines = {"warehouse": [], "hang_giay": [], "saigon": []}
    for index, (slug, name, name_en, category, price) in enumerate(PRODUCTS):
        product = product_upsert(
            slug=slug,
            name=name,
            name_en=name_en,
            category=categories[category],
            brand="Tiệm",
            description=f"{name} — đặc sản chọn lọc từ vùng núi phía Bắc.\n"
            f"{HOW_TO_KEEP[category][0]}",
            description_en=f"{name_en}, carefully sourced from the northern mountains.\n"
            f"{HOW_TO_KEEP[category][1]}",
        )
        if not product.images.exists():
            product_image_add(
                product=product,
                filename=f"{slug}.png",
                content=_demo_image(name, index + 1),
                alt=name,
            )
        for position, (weight, factor) in enumerate(WEIGHTS[: 1 + index % 3]):
            # MAT-ONG-BAC-HA-100: the whole slug, so no cut ever ends on a dash (MAT-ONG-BAC--100).
            sku = f"{slug.upper()}-{weight.split()[0]}"
            variant_upsert(
                product=product,
                sku=sku,
                barcode=gtin_with_check_digit(f"893{index:05d}{position:04d}"),
                price_amount=Decimal(round(price * factor, -3)),
                name=weight,
                option_values={"weight": weight},
                position=position,
            )
            if index % SOLD_OUT_EVERY == SOLD_OUT_EVERY - 1:
                continue
            lines["warehouse"].append(StockLine(sku=sku, quantity=20 + (index * 7) % 40))
            if index % 2 == 0:
                lines["hang_giay"].append(StockLine(sku=sku, quantity=index % 6))
            if index % 3 == 0:
                lines["saigon"].append(StockLine(sku=sku, quantity=(index * 5) % 9))
    if not StockMovement.objects.filter(reference=OPENING_STOCK).exists():
        for place, place_lines in lines.items():
            place_lines = [line for line in place_lines if line.quantity > 0]
            if place_lines:
                stock_receive(
                    location=places[place],
                    lines=place_lines,
                    reference=OPENING_STOCK,
                    actor_label="seed_demo",
                )
    return len(PRODUCTS)


DEMO_SUPPLIER = {"name": "HTX Nông sản Tây Bắc", "tax_code": "5500123456", "phone": "0212 385 1234"}
# The supplier's delivery note: one receipt, received once however often the demo is seeded.
DEMO_DELIVERY_NOTE = "PGH-2026-0117"
# (SKU, quantity, unit cost in đồng)
DEMO_DELIVERY = [
    ("MAC-KHEN-100", 30, 52_000),
    ("TRA-SHAN-TUYET-100", 24, 140_000),
    ("MAT-ONG-HOA-BAN-250", 12, 450_000),
]


def demo_supplier_and_receipt(*, location: Location, received_by) -> GoodsReceipt:
    """A demo supplier and one 3-line delivery of theirs received at ``location`` by
    ``received_by``, through the goods receipt service (once)."""
    supplier = supplier_upsert(**DEMO_SUPPLIER)
    receipt = GoodsReceipt.objects.filter(
        supplier=supplier, supplier_reference=DEMO_DELIVERY_NOTE
    ).first()
    if receipt is not None:
        return receipt
    return goods_receipt_post(
        location=location,
        supplier=supplier,
        supplier_reference=DEMO_DELIVERY_NOTE,
        lines=[
            ReceiptLine(code=sku, quantity=quantity, unit_cost_amount=Decimal(cost))
            for sku, quantity, cost in DEMO_DELIVERY
        ],
        note="Hàng về kho đầu tuần.",
        actor=received_by,
    )
