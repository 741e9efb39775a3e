"""Rendering message templates with only the context given, and checking them on save.

Templates are Django template syntax, compiled by a dedicated :class:`~django.template.Engine`
with no loaders and only the default tags and filters (no ``{% include %}``, ``{% extends %}``
or app libraries): a template can show what the caller passed and nothing else, and it can
never reach the database. Text parts (the SMS, the email's text part, chats) are rendered
without HTML escaping; the email's HTML part with it.

Validation on save refuses syntax errors (naming the line) and variables the template's
``sample_context`` does not declare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, Variable, VariableNode
from django.template.defaulttags import ForNode, IfNode, WithNode
from django.utils.translation import gettext as _

from inventory.search import search_fold


class _MessageEngine(Engine):
    # Engine adds its own builtins to these; loader_tags (include/extends) stay out.
    default_builtins = ["django.template.defaulttags", "django.template.defaultfilters"]


_TEXT_ENGINE = _MessageEngine(loaders=[], libraries={}, autoescape=False, debug=True)
_HTML_ENGINE = _MessageEngine(loaders=[], libraries={}, autoescape=True, debug=True)

# Names a template may use without declaring them: the ones the tags bind themselves.
_ALWAYS_KNOWN = {"forloop", "block"}


def _compile(source: str, *, html: bool, part: str) -> Template:
    engine = _HTML_ENGINE if html else _TEXT_ENGINE
    try:
        return Template(source, engine=engine)
    except TemplateSyntaxError as error:
        line = getattr(error, "template_debug", {}).get("line")
        where = _("line %(line)s") % {"line": line} if line else _("somewhere")
        raise ValidationError(
            {part: _("Syntax error on %(where)s: %(error)s") % {"where": where, "error": error}}
        ) from None


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool) -> Template:
    # A burst renders the same few templates thousands of times: compile each once. A
    # template is immutable text, so its compiled form never goes stale (an edit is a
    # new source); a syntax error is raised, never cached.
    return _compile(source, html=html, part="html" if html else "body")


def render_part(source: str, context: dict, *, html: bool = False) -> str:
    """Render one part of a message with exactly ``context`` (nothing else is visible)."""
    if not source:
        return ""
    return _compiled(source, html).render(Context(dict(context), autoescape=html))


def _roots_of(expression) -> set[str]:
    """The top-level names a filter expression (or one of its arguments) reads."""
    roots = set()
    if isinstance(expression, FilterExpression):
        roots |= _roots_of(expression.var)
        for _func, args in expression.filters:
            for lookup, arg in args:
                if lookup:
                    roots |= _roots_of(arg)
    elif isinstance(expression, Variable) and expression.lookups:
        roots.add(expression.lookups[0])
    return roots


def _condition_roots(condition) -> set[str]:
    # IfNode conditions are a small tree of operators whose leaves hold a FilterExpression.
    roots = set()
    for attr in ("value", "first", "second"):
        child = getattr(condition, attr, None)
        if child is None:
            continue
        roots |= _roots_of(child) if isinstance(child, FilterExpression) else set()
        if not isinstance(child, FilterExpression):
            roots |= _condition_roots(child)
    return roots


def _node_names(node) -> tuple[set[str], set[str]]:
    """(names read, names bound) by one node itself, not its children."""
    if isinstance(node, VariableNode):
        return _roots_of(node.filter_expression), set()
    if isinstance(node, ForNode):
        return _roots_of(node.sequence), set(node.loopvars)
    if isinstance(node, IfNode):
        read = set()
        for condition, _nodelist in node.conditions_nodelists:
            if condition is not None:
                read |= _condition_roots(condition)
        return read, set()
    if isinstance(node, WithNode):
        read = set()
        for value in node.extra_context.values():
            read |= _roots_of(value)
        return read, set(node.extra_context)
    read = set()
    if isinstance(node, Node):
        for value in vars(node).values():
            if isinstance(value, FilterExpression):
                read |= _roots_of(value)
    return read, set()


def _child_nodelists(node):
    for attr in getattr(node, "child_nodelists", ()):
        child = getattr(node, attr, None)
        if child:
            yield child
    if isinstance(node, IfNode):
        for _condition, nodelist in node.conditions_nodelists:
            yield nodelist


def _walk(nodes) -> tuple[set[str], set[str]]:
    """(names read, names bound by for/with) over a node list and every nested one."""
    read, bound = set(), set()
    for node in nodes:
        node_read, node_bound = _node_names(node)
        read |= node_read
        bound |= node_bound
        for child in _child_nodelists(node):
            child_read, child_bound = _walk(child)
            read |= child_read
            bound |= child_bound
    return read, bound


def template_variables(source: str, *, html: bool = False, part: str = "body") -> set[str]:
    """The top-level variables a template reads and does not bind itself."""
    template = _compile(source, html=html, part=part)
    read, bound = _walk(template.nodelist)
    return read - bound - _ALWAYS_KNOWN


def template_validate(*, template) -> None:
    """Raise ``ValidationError`` per part for a syntax error (with its line) or an unknown name.

    The known names are the keys of ``template.sample_context``.
    """
    declared = (
        set((template.sample_context or {}).keys())
        if isinstance(template.sample_context, dict)
        else set()
    )
    errors = {}
    for part, html in (("subject", False), ("body", False), ("html", True)):
        source = getattr(template, part) or ""
        if not source:
            continue
        try:
            unknown = template_variables(source, html=html, part=part) - declared
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        if unknown:
            errors[part] = _(
                "Unknown variable(s) %(names)s: declare them in the sample context."
            ) % {"names": ", ".join(sorted(unknown))}
    if not isinstance(template.sample_context, dict):
        errors["sample_context"] = _("The sample context must be an object of names to values.")
    if errors:
        raise ValidationError(errors)


# --- SMS length ---------------------------------------------------------------------------

# GSM 03.38 basic set; the extension characters count twice.
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # in the encoding's units (GSM-7 extension characters count twice)
    segments: int


def sms_length(text: str) -> SmsLength:
    """Length and segment count: GSM-7 160 (153 a part), UCS-2 70 (67 a part)."""
    if all(char in _GSM7_BASIC or char in _GSM7_EXTENSION for char in text):
        units = sum(2 if char in _GSM7_EXTENSION else 1 for char in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        # UTF-16 code units: a character outside the BMP (an emoji) takes two.
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsLength(encoding=encoding, characters=units, segments=segments)


def fold_marks(text: str) -> str:
    """Vietnamese without its marks (đ → d), case and line breaks kept: fits GSM-7."""
    return "\n".join(
        " ".join(_fold_keep_case(word) for word in line.split(" ")) for line in text.split("\n")
    )


def _fold_keep_case(word: str) -> str:
    folded = search_fold(word)
    if not word or not folded:
        return word
    # search_fold lower-cases; put each letter's case back (folding keeps the length).
    if len(folded) != len(word):
        return folded
    return "".join(f.upper() if w.isupper() else f for w, f in zip(word, folded, strict=True))
