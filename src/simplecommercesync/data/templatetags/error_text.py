"""{{ message|after_title:title }}: a failure message without the error kind's title it already
starts with, so a row reads "SKU not found: PACK-65L" and not "SKU not found: SKU not found: PACK-65L"."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def after_title(message: str | None, title: str | None) -> str:
    text = (message or "").strip()
    if not title:
        return text
    if text == title:
        return ""
    prefix = f"{title}:"
    return text[len(prefix):].strip() if text.startswith(prefix) else text
