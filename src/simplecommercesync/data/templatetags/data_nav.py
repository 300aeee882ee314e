"""{% data_sync_types as nav_sync_types %}: the sidebar's Data links, one per sync type of the catalogue,
so a new sync type appears there without editing the page shell."""

from __future__ import annotations

from django import template

from simplecommercesync.sync.catalogue import SYNC_TYPES, SyncType

register = template.Library()


@register.simple_tag
def data_sync_types() -> list[SyncType]:
    return list(SYNC_TYPES.values())
