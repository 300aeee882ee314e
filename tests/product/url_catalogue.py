"""Every URL the product answers, discovered from its URL patterns at test time (so a new settings
tab or data page is covered by the security and hostile-input tests without editing them), with
concrete values for each path parameter, and a fingerprint of what the product has stored.

A path parameter this module doesn't know fails the tests loudly: teach `PATH_VALUES` or
`OBJECT_MAKERS` what it means instead of letting the new URL go untested.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core import serializers
from django.urls import URLPattern, URLResolver, get_resolver

from simplecommercesync.accounts.models import Role, User, Workspace
from simplecommercesync.connections.models import Connection, Status
from simplecommercesync.connections.vault import TokenVault
from simplecommercesync.providers.registry import PROVIDERS
from simplecommercesync.sync.catalogue import SYNC_TYPES
from simplecommercesync.sync.engine.models import RecordStatus, SyncRecord
from simplecommercesync.sync.mapping.tax_models import TaxMapping
from simplecommercesync.sync.types.products.models import ProductFieldMapping

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
# The product's own apps: what "no partial write" is checked against (sessions and login
# throttling records are Django's and axes' bookkeeping, not the customer's data).
PRODUCT_APPS = ("accounts", "connections", "sync", "sync_settings", "data", "dashboard")


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "settings/connections/<str:provider_key>/callback/"
    name: str  # "namespace:name"
    view: Callable[..., Any]

    @property
    def parameters(self) -> list[tuple[str, str]]:
        return [(m["converter"] or "str", m["name"]) for m in PARAMETER.finditer(self.route)]

    @property
    def csrf_exempt(self) -> bool:
        return bool(getattr(self.view, "csrf_exempt", False))

    def __str__(self) -> str:
        return self.name


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Endpoint]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield Endpoint(prefix + str(pattern.pattern), name, pattern.callback)


def endpoints() -> list[Endpoint]:
    return sorted(_walk(get_resolver().url_patterns), key=lambda e: e.route)


# Values that make a URL resolve to something real; a list means "each of these".
PATH_VALUES: dict[str, Callable[[], list[str]]] = {
    "provider_key": lambda: sorted(PROVIDERS),
    "sync_type_key": lambda: sorted(SYNC_TYPES),
    "sync_type": lambda: sorted(SYNC_TYPES),
}


def _member_of(workspace: Workspace) -> User:
    return User.objects.create_user(f"person{User.objects.count() + 1}@{workspace.pk}.example", "pw-123456789",
                                    workspace=workspace, role=Role.MEMBER, display_name="Someone")


def _record_of(workspace: Workspace, sync_type: str = "invoices") -> SyncRecord:
    return SyncRecord.objects.create(workspace=workspace, sync_type=sync_type, source_account="2468101",
                                     source_id=f"{workspace.pk}{SyncRecord.objects.count() + 1}",
                                     status=RecordStatus.FAILED, label=f"Invoice of workspace {workspace.pk}",
                                     error_kind="validation_error", error_message="Refused",
                                     total_difference=Decimal("1.00"))


def _mapping_of(workspace: Workspace) -> TaxMapping:
    return TaxMapping.objects.create(workspace=workspace, hubspot_portal_id="2468101",
                                     quickbooks_realm_id="9341453050011001",
                                     hubspot_tax_rate_id=f"7{TaxMapping.objects.count()}",
                                     quickbooks_tax_code_id="TAX")


def _product_mapping_of(workspace: Workspace) -> ProductFieldMapping:
    return ProductFieldMapping.objects.create(workspace=workspace, hubspot_property="hs_cost_of_goods_sold",
                                              quickbooks_field="PurchaseCost")


# An integer path parameter names an object of one workspace: how to make one.
OBJECT_MAKERS: dict[str, Callable[[Workspace], Any]] = {
    "user_id": _member_of,
    "record_id": _record_of,
    "mapping_id": _mapping_of,
    "product_mapping_id": _product_mapping_of,
}
# Where one parameter name means different objects on different pages: (route start, name) → key.
OBJECT_KEYS_BY_ROUTE = {("settings/sync/products/", "mapping_id"): "product_mapping_id"}


def object_key(endpoint: Endpoint, name: str) -> str:
    for (start, param), key in OBJECT_KEYS_BY_ROUTE.items():
        if endpoint.route.startswith(start) and name == param:
            return key
    return name


def connect_looking(workspace: Workspace, account_suffix: str) -> None:
    """Both connections stored as connected (no provider is called by the pages that read them)."""
    vault = TokenVault()
    for number, provider in enumerate(sorted(PROVIDERS), start=1):
        # Portal and realm ids are numbers at both providers; the product relies on that.
        Connection.objects.update_or_create(workspace=workspace, provider=provider, defaults={
            "status": Status.CONNECTED, "account_id": f"9{number}{workspace.pk:06d}",
            "account_name": f"{provider} account {account_suffix}",
            "access_token_encrypted": vault.seal(f"access-{account_suffix}"),
            "refresh_token_encrypted": vault.seal(f"refresh-{account_suffix}")})


def concrete_urls(endpoint: Endpoint, objects: dict[str, Any]) -> list[str]:
    """Every concrete path for the endpoint; `objects` maps an int parameter name to an object."""
    paths = ["/" + endpoint.route]
    for converter, name in endpoint.parameters:
        if converter == "int":
            key = object_key(endpoint, name)
            if key not in objects:
                raise LookupError(f"{endpoint}: teach url_catalogue.OBJECT_MAKERS what <int:{name}> is")
            values = [str(objects[key].pk)]
        elif name in PATH_VALUES:
            values = PATH_VALUES[name]()
        else:
            raise LookupError(f"{endpoint}: teach url_catalogue.PATH_VALUES what <{converter}:{name}> is")
        token = f"<{converter}:{name}>" if f"<{converter}:{name}>" in endpoint.route else f"<{name}>"
        paths = [p.replace(token, v) for p in paths for v in values]
    # A record belongs to one sync type; its URLs under another type are a 404 by design.
    record = objects.get("record_id")
    if record is not None and "<str:sync_type_key>" in endpoint.route:
        paths = [p for p in paths if f"/{record.sync_type}/" in p]
    return paths


def stored_fingerprint() -> str:
    """A hash of every row the product's apps hold: equal before and after means nothing was written."""
    digest = hashlib.sha256()
    for app_label in PRODUCT_APPS:
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            continue
        for model in sorted(config.get_models(), key=lambda m: m.__name__):
            rows = model.objects.order_by("pk")
            digest.update(serializers.serialize("json", rows).encode())
    return digest.hexdigest()
