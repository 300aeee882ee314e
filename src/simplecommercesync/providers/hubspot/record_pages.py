"""Links to a record's own page in HubSpot: /contacts/{portalId}/record/{objectTypeId}/{objectId}
for every CRM object (knowledge.hubspot.com, "Understand object type IDs").

The host is the configured HubSpot app URL, so in demo mode the links lead to the emulator and in
production to app.hubspot.com.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from simplecommercesync.providers.hubspot.object_types import OBJECT_TYPE_IDS


def hubspot_record_url(portal_id: str, hubspot_object: str, object_id: str) -> str:
    type_id = OBJECT_TYPE_IDS.get(hubspot_object)
    if not (type_id and portal_id and object_id):
        return ""
    base = settings.SCS_HUBSPOT.auth_base_url.rstrip("/")
    return f"{base}/contacts/{quote(str(portal_id))}/record/{type_id}/{quote(str(object_id))}"
