"""{% sync_settings_tabs as tabs %}: Settings → Sync's tabs, from the catalogue, for `_tabs.html`,
so that no page has to pass them in."""

from __future__ import annotations

from django import template

from simplecommercesync.sync_settings.tabs import TABS, Tab

register = template.Library()


@register.simple_tag
def sync_settings_tabs() -> list[Tab]:
    return TABS
