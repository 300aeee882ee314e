"""{% recent_sync_failures as failures %}: the Connections page's "connected but syncs fail" block,
without the Connections view having to know about syncs."""

from __future__ import annotations

from typing import Any

from django import template

from simplecommercesync.data.failures import RecentFailures, recent_failures

register = template.Library()
CACHE_ATTRIBUTE = "_scs_recent_sync_failures"


@register.simple_tag(takes_context=True)
def recent_sync_failures(context: template.Context) -> list[RecentFailures]:
    workspace: Any = context.get("workspace")
    if workspace is None:
        return []
    request = context.get("request")
    # Both providers' sections ask; one query per page is enough.
    cached: list[RecentFailures] | None = getattr(request, CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = recent_failures(workspace.pk)
        if request is not None:
            setattr(request, CACHE_ATTRIBUTE, cached)
    return cached
