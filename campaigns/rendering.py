"""Rendering message templates with only the context given."""


def template_validate(*, template) -> None:
    """Placeholder replaced in the services commit."""
