"""Forms' side of the platform: a service's refusal shown on the form that asked for it."""

from django import forms


def form_errors_add(
    form: forms.Form,
    error,
    *,
    aliases: dict[str, str] | None = None,
    fallback: str | None = None,
) -> None:
    """Put a domain error on ``form``, for pages and admin screens alike.

    ``error.fields`` go on the form's fields (a service's field name may be mapped to the
    form's with ``aliases``); problems for fields the form does not have go to ``fallback``,
    or to the top of the form. ``error.detail`` is shown on top unless a field already says
    it, so a person reads each problem once.
    """
    aliases = aliases or {}
    fields = getattr(error, "fields", None) or {}
    said_on_a_field = False
    for name, problems in fields.items():
        field = aliases.get(name, name)
        if field not in form.fields:
            field = fallback
        for problem in problems if isinstance(problems, list | tuple) else [problems]:
            if field is None and str(problem) == str(error.detail):
                continue
            said_on_a_field |= str(problem) == str(error.detail)
            form.add_error(field, str(problem))
    if not said_on_a_field:
        form.add_error(None, str(error.detail))


class PhoneInput(forms.TextInput):
    """A phone field: ``type="tel"`` brings up the phone keypad and the browser's autofill."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "tel", "inputmode": "tel", **(attrs or {})})
