"""HubSpot facts as data: CRM object types, their ids and scopes, and the scopes an app may request."""

from __future__ import annotations

from dataclasses import dataclass

from .exceptions import NotEmulated, ObjectNotFound


@dataclass(frozen=True)
class ObjectType:
    name: str  # path segment, e.g. "line_items"
    type_id: str  # https://developers.hubspot.com/docs/api/crm/understanding-the-crm#object-type-ids
    singular: str  # used in association type names and webhook subscription types
    scope_name: str  # the part of the scope string, e.g. crm.objects.<scope_name>.read
    default_properties: tuple[str, ...]
    search_text_properties: tuple[str, ...]
    # The legacy subscriptionType prefix (`contact`, `product`, `line_item`); every type also has
    # the generic `object.*` form with objectTypeId (HubSpot webhooks API, SubscriptionCreateRequest).
    legacy_webhook_prefix: str | None = None

    @property
    def read_scope(self) -> str:
        return f"crm.objects.{self.scope_name}.read"

    @property
    def write_scope(self) -> str:
        return f"crm.objects.{self.scope_name}.write"

    @property
    def schema_read_scope(self) -> str:
        return f"crm.schemas.{self.scope_name}.read"

    @property
    def schema_write_scope(self) -> str:
        return f"crm.schemas.{self.scope_name}.write"


_TYPES = (
    ObjectType("contacts", "0-1", "contact", "contacts",
               ("email", "firstname", "lastname"),
               ("email", "firstname", "lastname", "phone", "company"), "contact"),
    ObjectType("products", "0-7", "product", "products",
               ("name", "price", "description"),
               ("name", "hs_sku", "description"), "product"),
    ObjectType("line_items", "0-8", "line_item", "line_items",
               ("name", "quantity", "price", "hs_product_id"), ("name", "hs_sku"), "line_item"),
    ObjectType("quotes", "0-14", "quote", "quotes",
               ("hs_title", "hs_expiration_date", "hs_status"), ("hs_title",)),
    ObjectType("invoices", "0-53", "invoice", "invoices",
               ("hs_currency", "hs_invoice_status", "hs_number"), ("hs_number",)),
    ObjectType("commerce_payments", "0-101", "commerce_payment", "commercepayments",
               ("hs_initial_amount", "hs_latest_status", "hs_currency_code"),
               ("hs_reference_number", "hs_customer_email")),
    # Tax line objects are guarded by the line item scopes (CRM taxes OpenAPI spec, v3).
    ObjectType("taxes", "0-86", "tax", "line_items",
               ("hs_label", "hs_type", "hs_value"), ("hs_label",)),
)

OBJECT_TYPES: dict[str, ObjectType] = {t.name: t for t in _TYPES}
_ALIASES: dict[str, str] = {}
for _t in _TYPES:
    _ALIASES[_t.name] = _t.name
    _ALIASES[_t.type_id] = _t.name
    _ALIASES[_t.singular] = _t.name
    _ALIASES[_t.singular + "s"] = _t.name
_ALIASES["payments"] = "commerce_payments"
_ALIASES["commercepayments"] = "commerce_payments"
# Standard objects HubSpot has and this emulator promises to refuse loudly rather than fake.
NOT_EMULATED_TYPES = frozenset({"companies", "company", "0-2", "deals", "deal", "0-3"})


def by_type_id(type_id: str) -> ObjectType | None:
    return next((t for t in _TYPES if t.type_id == type_id), None)


def object_type(name: str) -> ObjectType:
    """Resolve a path segment (`invoices`, `0-53`, `invoice`) the way HubSpot does, or 404."""
    resolved = _ALIASES.get(name.lower())
    if resolved is None and name.lower() in NOT_EMULATED_TYPES:
        raise NotEmulated(f"The {name} object is not emulated by the HubSpot emulator.",
                          context={"objectType": [name]})
    if resolved is None:
        raise ObjectNotFound(
            f"Unable to infer object type from: {name}",
            context={"objectType": [name]},
        )
    return OBJECT_TYPES[resolved]


# Scopes an app may request, with the words the consent page shows
# (https://developers.hubspot.com/docs/api/scopes).
_SCOPE_WORDS: dict[str, str] = {
    "oauth": "Basic OAuth: see your account's ID, domain and the user who authorized",
    "tax_rates.read": "View tax rates",
    "e-commerce": "Products and line items (legacy e-commerce scope)",
}
for _t in _TYPES:
    _label = {"commercepayments": "payments"}.get(_t.scope_name, _t.scope_name.replace("_", " "))
    _SCOPE_WORDS[_t.read_scope] = f"View {_label}"
    _SCOPE_WORDS[_t.write_scope] = f"Create, edit and delete {_label}"
    _SCOPE_WORDS[_t.schema_read_scope] = f"View {_label} property settings"
    _SCOPE_WORDS[_t.schema_write_scope] = f"Create and edit {_label} properties"
for _other in ("companies", "deals", "owners"):
    _SCOPE_WORDS[f"crm.objects.{_other}.read"] = f"View {_other}"
    if _other != "owners":
        _SCOPE_WORDS[f"crm.objects.{_other}.write"] = f"Create, edit and delete {_other}"

KNOWN_SCOPES: dict[str, str] = dict(_SCOPE_WORDS)
ALL_SCOPES: tuple[str, ...] = tuple(sorted(KNOWN_SCOPES))
