"""The admin in Vietnamese has no English left on it (issue 14), and its sidebar shows each
role only the sections it may open.

The walker opens every admin page as the owner in Vietnamese: the home page, each
registered model's list, add page (where the owner may add) and one object's page, and the
custom pages (stock operations, imports and exports, the dashboard). It reads the text a
person sees (text nodes, placeholders, titles, button labels; not scripts, styles or typed
values) and fails on any text that is an English message of our catalog, Django's,
django-import-export's, unfold's or a model's derived name, unless its Vietnamese is the same
word (SKU, Email…). Data typed by people (names, SKUs, numbers) is in no catalog, so it never
counts.

**A failure names the page and the English.** Translate the string in
``locale/vi/LC_MESSAGES/django.po`` (a model or field name: its derived English, e.g.
``stock levels``) and run ``manage.py compilemessages -l vi``.
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
import unfold
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import trans_real

from config.labels import our_models
from config.roles import CASHIER, MARKETER, OWNER, ROLES, STORE_MANAGER, WAREHOUSE
from tests.platform.test_authorization_matrix import OBJECTS, World, _staff

pytestmark = pytest.mark.django_db

# Words that read the same in both languages: names of things, units, codes.
SAME_IN_BOTH = {
    "Tiệm", "Shopee", "Lazada", "Tiki", "TikTok Shop", "Zalo", "Zalo ZNS", "Messenger",
    "SKU", "VND", "POS", "ID", "Email", "email", "SMS", "CSV", "XLSX", "JSON", "HTML", "URL",
    "VietQR", "API", "OK", "Combo", "Voucher", "voucher", "Token", "token", "webhook", "Webhook",
    "English", "Tiếng Việt", "-", "—", "Marketing", "csv", "xlsx", "xls", "tsv", "json", "html",
    # Staff groups are named by their role's code (config/roles.py): data, not text.
    *ROLES,
}  # fmt: skip

SKIPPED_TAGS = {"script", "style", "textarea", "code", "pre", "svg"}
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipped: list[str] = []  # the open elements whose text nobody reads

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._skipped:
            if tag == self._skipped[-1]:
                self._skipped.append(tag)
            return
        # An icon's name ("category", "reviews") is a ligature of the icon font, not text.
        if tag in SKIPPED_TAGS or "material-symbols" in (attrs.get("class") or ""):
            self._skipped.append(tag)
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._skipped and tag == self._skipped[-1]:
            self._skipped.pop()

    def handle_data(self, data):
        if not self._skipped:
            self.texts.append(data)


def visible_texts(html: str) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    texts = set()
    for text in parser.texts:
        text = " ".join(text.split())
        if text:
            texts.add(text)
            texts.add(text.rstrip(":").strip())  # labels: "Location:"
    return texts


def _mo_msgids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    return {_msgid(key) for key in catalog if _msgid(key)}


def _msgid(key) -> str:
    if isinstance(key, tuple):  # a plural form: (msgid, index)
        key = key[0]
    return key.split("\x04")[-1]  # a msgctxt entry names its context first


_TEMPLATE_STRING = re.compile(
    r"""\{%\s*(?:trans|translate)\s+(["'])(.+?)\1"""  # {% translate "…" %}
    r"""|\b_\(\s*(["'])(.+?)\3\s*\)"""  # _("…") in Python and {{ _("…") }}
)


def _source_msgids(package_dir: Path) -> set[str]:
    """The msgids of a package that ships no catalog (unfold), read from its sources."""
    found = set()
    for path in [*package_dir.rglob("*.html"), *package_dir.rglob("*.py")]:
        for match in _TEMPLATE_STRING.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(2) or match.group(4))
    return found


@cache
def english_messages() -> set[str]:
    """Every English message a page of ours may show: the msgids of the Vietnamese catalogs
    in use (ours and Django's), of every installed app that ships catalogs (read from any
    of its languages: django-import-export and auditlog ship no Vietnamese), of unfold
    (no catalog at all) and the models' derived names."""
    catalog = trans_real.translation("vi")._catalog
    messages = {_msgid(key) for key in catalog.keys()}  # noqa: SIM118 (no __iter__)
    for app_config in apps.get_app_configs():
        for path in Path(app_config.path).glob("locale/*/LC_MESSAGES/django.mo"):
            messages |= _mo_msgids(path)
    messages |= _source_msgids(Path(unfold.__file__).parent)
    messages |= set(_derived_names())
    return {message for message in messages if message and message.strip()}


def _derived_names() -> list[str]:
    with translation.override(None):
        names = []
        for model in our_models():
            opts = model._meta
            names += [str(opts.verbose_name), str(opts.verbose_name_plural)]
            names += [str(field.verbose_name) for field in opts.local_fields]
        return names


def _translated_to_itself(message: str) -> bool:
    catalog = trans_real.translation("vi")._catalog
    return catalog.get(message) == message


def english_on(html: str) -> list[str]:
    messages = english_messages()
    found = set()
    for text in visible_texts(html):
        for candidate in (text, text[:1].lower() + text[1:]):
            if (
                candidate in messages
                and text not in SAME_IN_BOTH
                and not _translated_to_itself(candidate)
            ):
                found.add(text)
    return sorted(found)


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _admin_pages(world) -> list[str]:
    """The URLs of every admin page the owner can open."""
    urls = [reverse("admin:index"), reverse("reports:dashboard")]
    for model in sorted(admin.site._registry, key=str):
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        urls.append(reverse(f"{prefix}_add"))
        builder = OBJECTS.get(opts.label)
        if builder is not None:
            urls.append(reverse(f"{prefix}_change", args=[builder(world, world.store_a).pk]))
        for view in ("import", "export", "receive", "adjust", "transfer", "count"):
            urls.append(_url(f"{prefix}_{view}"))
    return [url for url in urls if url]


def test_no_english_on_any_admin_page_in_vietnamese(client):
    # given: an owner, Vietnamese, and one object of every screen
    world = World()
    client.force_login(_staff(OWNER, world))
    translation.activate("vi")

    # when: every page is opened
    english = {}
    opened = 0
    for url in _admin_pages(world):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        if response.status_code == 403:  # e.g. an add page of a screen nobody adds to
            continue
        assert response.status_code == 200, url
        opened += 1
        if found := english_on(response.content.decode()):
            english[url] = found

    # then
    assert opened > 100
    assert english == {}


def test_the_walker_sees_english_when_there_is_some():
    """The check itself: a page with an untranslated message and one with data only."""
    assert english_on("<h1>Stock levels</h1><p title='Save'>Hoa</p>") == ["Save", "Stock levels"]
    assert english_on("<p>Tồn kho</p><p>MK-100</p><script>var x='Save'</script>") == []
    assert english_on("<label>SKU:</label>") == []
    assert english_on('<span class="material-symbols-outlined">category</span>') == []
    assert english_on('<button><span class="x">Sales</span></button>') == ["Sales"]


def test_django_none_available_keeps_its_own_meaning():
    """Our stock filter's "None available" has a context; Django's empty "recent actions"
    box reads as Django translates it, not as "out of stock"."""
    with translation.override("vi"):
        django_text = translation.gettext("None available")
        stock_text = translation.pgettext("stock", "None available")
    assert "Hết hàng" not in django_text
    assert stock_text != django_text


def test_every_model_and_field_name_has_its_vietnamese():
    catalog = trans_real.translation("vi")._catalog
    missing = sorted(
        {name for name in _derived_names() if name not in catalog and name not in SAME_IN_BOTH}
    )
    assert missing == []


# --- The sidebar per role -----------------------------------------------------------------

SECTIONS_SEEN = {
    OWNER: ["Bán hàng", "Kho", "Khách hàng", "Marketing", "Báo cáo", "Quản trị"],
    STORE_MANAGER: ["Bán hàng", "Kho", "Khách hàng", "Marketing", "Báo cáo", "Quản trị"],
    CASHIER: ["Bán hàng", "Kho", "Khách hàng", "Quản trị"],
    WAREHOUSE: ["Bán hàng", "Kho", "Quản trị"],
    MARKETER: ["Bán hàng", "Kho", "Khách hàng", "Marketing", "Báo cáo", "Quản trị"],
}


def _sidebar(html: str) -> dict[str, list[str]]:
    """{section title: [link hrefs]} of the sidebar navigation."""
    block = html.split('id="nav-sidebar-apps"', 1)[1]
    sections = {}
    for part in re.split(r"<h2\b", block)[1:]:
        title = " ".join(
            re.sub(r"<[^>]+>", " ", part.split("</h2>", 1)[0].split(">", 1)[1]).split()
        )
        title = title.split(" chevron_right")[0]
        sections[title] = re.findall(r'<a href="(/admin/[^"]*)"', part)
    return sections


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_the_sections_and_screens_it_may_open(client, role):
    # given
    world = World()
    client.force_login(_staff(role, world))

    # when
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="vi")
    sidebar = _sidebar(response.content.decode())

    # then: its sections, and every link in them opens
    assert list(sidebar) == SECTIONS_SEEN[role]
    links = [link for links in sidebar.values() for link in links]
    assert links
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)


def test_a_cashier_does_not_see_the_dashboard_or_staff_accounts(client):
    world = World()
    client.force_login(_staff(CASHIER, world))

    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    links = [link for links in _sidebar(html).values() for link in links]
    assert reverse("reports:dashboard") not in links
    assert reverse("admin:auth_user_changelist") not in links
    assert reverse("admin:orders_order_changelist") in links


def test_the_stock_list_offers_its_operations_to_who_may_use_them(client):
    world = World()
    for role, shown in ((WAREHOUSE, True), (MARKETER, False)):
        client.force_login(_staff(role, world))
        html = client.get(reverse("admin:inventory_stocklevel_changelist")).content.decode()
        for operation in ("receive", "adjust", "transfer", "count"):
            assert (reverse(f"admin:inventory_stocklevel_{operation}") in html) is shown, role
