"""State of the emulated HubSpot: one `HubSpotBackend` per portal and the global `HubSpotWorld`.

Backends expose plain operations (`create_object`, `search_objects`, `associate_default`...) over
dataclasses; they never see a request. Routes parse, call, and render.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .accounts import Directory, Portal
from .catalog import OBJECT_TYPES, ObjectType
from .clock import iso, utcnow
from .commerce import CALCULATED, Commerce
from .config import EmulatorConfig
from .events import CRM_UI, AssociationChange, ChangeEvent, ChangeSource
from .exceptions import Conflict, HubSpotError, ObjectNotFound, ValidationError
from .oauth_models import OAuthServer
from .objects import (
    DEFAULT_TYPES,
    AssociationStore,
    AssociationType,
    CrmObject,
    association_type_by_id,
    default_type,
    inverse_type,
)
from .properties import (
    REQUIRED_ON_CREATE,
    PropertyDefinition,
    PropertyProblem,
    PropertyRegistry,
    invalid_properties,
    normalize_value,
)
from .search import SearchRequest
from .search import run as run_search
from .tax_rates import TaxRateBook
from .webhook_subscriptions import ALL, SubscriptionBook, parse_spec

MAX_BATCH = 100
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Line items created from a product inherit these unless given (HubSpot line items guide).
_INHERITED_FROM_PRODUCT = ("name", "price", "hs_sku", "description")
ChangeListener = Callable[[ChangeEvent], None]


@dataclass
class BatchOutcome:
    results: list[CrmObject]
    errors: list[HubSpotError]
    created: set[str]


def _unique_key(name: str, value: str) -> str:
    # Emails are compared case-insensitively (HubSpot lower-cases them); other values exactly.
    return value.lower() if name == "email" else value


class HubSpotBackend:
    """Everything one portal holds: CRM records, properties, associations, tax rates."""

    def __init__(self, portal: Portal, search_delay_s: float = 0.0) -> None:
        self.portal = portal
        self.search_delay_s = search_delay_s
        self.properties = PropertyRegistry(list(OBJECT_TYPES))
        self.associations = AssociationStore()
        self.tax_rates = TaxRateBook()
        self.listeners: list[ChangeListener] = []
        self._objects: dict[str, dict[str, CrmObject]] = {t: {} for t in OBJECT_TYPES}
        self._order: dict[str, list[int]] = {t: [] for t in OBJECT_TYPES}
        self._unique: dict[tuple[str, str], dict[str, str]] = {}
        self._next_id = 30_000_001 + (portal.id % 100) * 1_000_000_000
        self.commerce = Commerce(self)

    # -- helpers ------------------------------------------------------------------------------
    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Bulk writes (seeds, generated worlds): no events, and no search lag to track."""
        listeners, delay = self.listeners, self.search_delay_s
        self.listeners, self.search_delay_s = [], 0.0
        try:
            yield
        finally:
            self.listeners, self.search_delay_s = listeners, delay

    def _emit(self, obj: CrmObject, kind: str, source: ChangeSource,
              name: str | None = None, value: str | None = None) -> None:
        if not self.listeners:
            return
        event = ChangeEvent(self.portal.id, obj.object_type, obj.id, kind, source, utcnow(),
                            name, value)
        for listener in self.listeners:
            listener(event)

    def _emit_association(self, association: AssociationType, from_id: str, to_id: str,
                          removed: bool, source: ChangeSource) -> None:
        """HubSpot reports an association change once from each side."""
        if not self.listeners:
            return
        now = utcnow()
        back = inverse_type(association)
        for kind, own_id, other_id in ((association, from_id, to_id), (back, to_id, from_id)):
            change = AssociationChange(kind.from_type, own_id, kind.to_type, other_id,
                                       kind.type_id, removed)
            event = ChangeEvent(self.portal.id, kind.from_type, own_id, "associationChange",
                                source, now, association=change)
            for listener in self.listeners:
                listener(event)

    def _not_found(self, object_type: str, object_id: str) -> ObjectNotFound:
        return ObjectNotFound(
            "Object not found.  objectId are usually numeric.",
            context={"id": [object_id]},
        )

    def _live(self, object_type: str, object_id: str, archived: bool = False) -> CrmObject:
        obj = self._objects[object_type].get(object_id)
        if obj is None or obj.archived != archived:
            raise self._not_found(object_type, object_id)
        return obj

    def _find(self, object_type: str, object_id: str, id_property: str | None,
              archived: bool = False) -> CrmObject:
        if not id_property or id_property == "hs_object_id":
            return self._live(object_type, object_id, archived)
        definition = self.properties.find(object_type, id_property)
        if definition is None or not definition.has_unique_value:
            raise ValidationError(
                f"{id_property} is not a unique property of {object_type} and cannot be used as "
                "idProperty.", context={"idProperty": [id_property]})
        found = self._unique.get((object_type, id_property), {}).get(
            _unique_key(id_property, object_id))
        if found is None:
            raise self._not_found(object_type, object_id)
        return self._live(object_type, found, archived)

    def _validate(self, object_type: str, values: dict[str, Any],
                  creating: bool) -> dict[str, str]:
        clean: dict[str, str] = {}
        problems: list[PropertyProblem] = []
        for name, value in values.items():
            definition = self.properties.find(object_type, name)
            if definition is None:
                problems.append(PropertyProblem(name, "PROPERTY_DOESNT_EXIST",
                                                f'Property "{name}" does not exist'))
                continue
            if definition.read_only:
                problems.append(PropertyProblem(
                    name, "READ_ONLY_VALUE",
                    f'"{name}" is a read only property; its value cannot be set.'))
                continue
            result = normalize_value(definition, value)
            if isinstance(result, str) and name == "email" and object_type == "contacts" and \
                    result and not _EMAIL_RE.match(result):
                result = PropertyProblem(name, "INVALID_EMAIL",
                                         f"Email address {result} is invalid")
            if isinstance(result, PropertyProblem):
                problems.append(result)
            else:
                clean[name] = result
        if creating:
            reported = {p.name for p in problems}
            for name in REQUIRED_ON_CREATE.get(object_type, ()):
                if not clean.get(name) and name not in reported:
                    problems.append(PropertyProblem(
                        name, "REQUIRED_PROPERTY",
                        f'Property "{name}" is required to create a {object_type} record.'))
        if problems:
            raise invalid_properties(problems, self.portal.id)
        return clean

    def _check_unique(self, object_type: str, values: dict[str, str],
                      own_id: str | None) -> None:
        for name in self.properties.unique_names(object_type):
            value = values.get(name)
            if not value:
                continue
            holder = self._unique.get((object_type, name), {}).get(_unique_key(name, value))
            if holder is not None and holder != own_id:
                singular = OBJECT_TYPES[object_type].singular.replace("_", " ").capitalize()
                raise Conflict(f"{singular} already exists. Existing ID: {holder}",
                               context={"existingId": [holder], "propertyName": [name]})

    def _index(self, obj: CrmObject, add: bool) -> None:
        for name in self.properties.unique_names(obj.object_type):
            value = obj.properties.get(name)
            if not value:
                continue
            index = self._unique.setdefault((obj.object_type, name), {})
            key = _unique_key(name, value)
            if add:
                index[key] = obj.id
            elif index.get(key) == obj.id:
                del index[key]

    def _touch(self, obj: CrmObject, at: datetime) -> None:
        self._stale_in_search(obj)
        obj.updated_at = at
        stamp = iso(at)
        obj.properties["hs_lastmodifieddate"] = stamp
        if obj.object_type == "contacts":
            obj.properties["lastmodifieddate"] = stamp

    def _stale_in_search(self, obj: CrmObject) -> None:
        """HubSpot's search index lags writes: until `searchable_at` search sees what it had."""
        if self.search_delay_s <= 0 or obj.properties.get("hs_object_id") is None:
            return  # no delay, or a record being created (it has no indexed form yet)
        now = utcnow()
        if obj.searchable_at is None or obj.searchable_at <= now:
            obj.indexed_properties = dict(obj.properties)
        obj.searchable_at = now + timedelta(seconds=self.search_delay_s)

    def index_now(self) -> None:
        """Everything written so far is in the search index (seeded and generated worlds
        exist before anyone searches them)."""
        for objects in self._objects.values():
            for obj in objects.values():
                obj.searchable_at = None
                obj.indexed_properties = None

    def linked(self, obj: CrmObject, to_type: str) -> list[CrmObject]:
        """Live records of `to_type` associated with `obj`."""
        objects = self._objects[to_type]
        found = []
        for other_id in self.associations.ids_of(obj.object_type, obj.id, to_type):
            other = objects.get(other_id)
            if other is not None and not other.archived:
                found.append(other)
        return found

    def apply_calculated(self, obj: CrmObject, values: dict[str, str],
                         source: ChangeSource = CALCULATED) -> None:
        """Writes values HubSpot sets itself (totals, statuses, numbers), past the read-only
        check, with the same history and events as any write; "" removes a value."""
        changed = [(n, v) for n, v in values.items() if obj.properties.get(n, "") != v]
        if not changed:
            return
        moment = utcnow()
        self._touch(obj, moment)
        for name, value in changed:
            if name not in obj.history and name in obj.properties:
                obj.history[name] = [(obj.properties[name], obj.created_at)]
            if value == "":
                obj.properties.pop(name, None)
            else:
                obj.properties[name] = value
            obj.history.setdefault(name, []).append((value, moment))
        for name, value in changed:
            self._emit(obj, "propertyChange", source, name, value)

    def _check_create_links(self, object_type: str,
                            links: list[tuple[AssociationType, str]]) -> None:
        """The commerce rules for associations written with a new record."""
        commerce = self.commerce
        if object_type == "line_items" and \
                sum(1 for a, _ in links if a.to_type in ("invoices", "quotes")) > 1:
            raise ValidationError("A line item belongs to one parent object (an invoice or a "
                                  "quote); create one line item per parent.")
        for association, to_id in links:
            other = self._live(association.to_type, to_id)
            if association.to_type == "line_items" and commerce.parents_of(other):
                raise ValidationError(
                    f"Line item {to_id} already belongs to another invoice or quote; a line "
                    "item belongs to one parent object. Create a new line item for this one.")
            if object_type == "invoices" and association.to_type == "commerce_payments":
                raise ValidationError("A new invoice is a draft and takes no payments: open it, "
                                      "then associate the payment.")
            if association.to_type == "invoices":
                if object_type == "commerce_payments":
                    commerce.check_takes_payment(other)
                elif object_type == "line_items":
                    commerce.check_parent_editable(other)

    def _source_properties(self, source: ChangeSource) -> dict[str, str]:
        values = {"hs_object_source": source.kind, "hs_object_source_label": source.kind}
        if source.source_id is not None:
            values["hs_object_source_id"] = source.source_id
        if source.app_name:
            values["hs_object_source_detail_1"] = source.app_name
        return values

    # -- single records -----------------------------------------------------------------------
    def create_object(self, object_type: str, properties: dict[str, Any],
                      associations: list[dict[str, Any]] | None = None,
                      source: ChangeSource = CRM_UI, at: datetime | None = None) -> CrmObject:
        clean = self._validate(object_type, properties, creating=True)
        self._check_unique(object_type, clean, None)
        if object_type == "line_items" and clean.get("hs_product_id"):
            product = self._objects["products"].get(clean["hs_product_id"])
            if product is None or product.archived:
                raise invalid_properties([PropertyProblem(
                    "hs_product_id", "INVALID_PRODUCT",
                    f"Product {clean['hs_product_id']} does not exist")], self.portal.id)
            for name in _INHERITED_FROM_PRODUCT:
                if name not in clean and product.properties.get(name):
                    clean[name] = product.properties[name]
        self.commerce.check_create(object_type, clean)
        links = self._parse_create_associations(object_type, associations or [])
        self._check_create_links(object_type, links)
        moment = at or utcnow()
        object_id = str(self._next_id)
        self._next_id += 1
        clean = {k: v for k, v in clean.items() if v != ""}
        clean.update(self._source_properties(source))
        obj = CrmObject(object_id, object_type, clean, moment, moment,
                        searchable_at=(utcnow() + timedelta(seconds=self.search_delay_s)
                                       if self.search_delay_s > 0 else None))
        obj.properties["hs_object_id"] = object_id
        self._touch(obj, moment)
        obj.properties["createdate"] = obj.properties["hs_lastmodifieddate"]
        if object_type == "line_items":
            obj.properties.update({k: v for k, v in self.commerce.line_values(obj).items() if v})
        elif object_type == "invoices":
            obj.properties.update(self.commerce.invoice_values(obj))
        elif object_type == "quotes":
            obj.properties.update(self.commerce.quote_values(obj))
        self._objects[object_type][object_id] = obj
        self._order[object_type].append(int(object_id))
        self._index(obj, add=True)
        self._emit(obj, "creation", source)
        for association, to_id in links:
            if self.associations.add(object_type, object_id, association.to_type, to_id,
                                      association):
                self._emit_association(association, object_id, to_id, False, source)
        if links and object_type == "invoices":
            # Totals from associations written with the record are part of its creation.
            obj.properties.update(self.commerce.invoice_values(obj))
        elif links and object_type == "quotes":
            obj.properties.update(self.commerce.quote_values(obj))
        elif links:
            self.commerce.refresh([obj])  # a line item's or payment's invoice or quote
        return obj

    def _parse_create_associations(self, object_type: str, raw: list[dict[str, Any]]
                                   ) -> list[tuple[AssociationType, str]]:
        links = []
        for item in raw:
            to_id = str((item.get("to") or {}).get("id", ""))
            for spec in item.get("types") or []:
                type_id = int(spec.get("associationTypeId", 0))
                association = next((a for (f, _), a in DEFAULT_TYPES.items()
                                    if f == object_type and a.type_id == type_id), None)
                if association is None:
                    raise ValidationError(
                        f"{type_id} is not a valid association type id for {object_type}.")
                association = association_type_by_id(
                    object_type, association.to_type, type_id,
                    str(spec.get("associationCategory", "HUBSPOT_DEFINED")))
                self._live(association.to_type, to_id)
                links.append((association, to_id))
        return links

    def get_object(self, object_type: str, object_id: str, id_property: str | None = None,
                   archived: bool = False) -> CrmObject:
        return self._find(object_type, object_id, id_property, archived)

    def update_object(self, object_type: str, object_id: str, properties: dict[str, Any],
                      id_property: str | None = None, source: ChangeSource = CRM_UI) -> CrmObject:
        obj = self._find(object_type, object_id, id_property)
        clean = self._validate(object_type, properties, creating=False)
        self._check_unique(object_type, clean, obj.id)
        self.commerce.check_update(obj, clean)
        moment = utcnow()
        self._stale_in_search(obj)
        self._index(obj, add=False)
        changed = []
        for name, value in clean.items():
            if obj.properties.get(name, "") == value:
                continue
            changed.append((name, value))
            if name not in obj.history and name in obj.properties:
                # History is kept from the first change on; the value before it dates from creation.
                obj.history[name] = [(obj.properties[name], obj.created_at)]
            if value == "":
                obj.properties.pop(name, None)
            else:
                obj.properties[name] = value
            obj.history.setdefault(name, []).append((value, moment))
        self._touch(obj, moment)
        self._index(obj, add=True)
        for name, value in changed:
            self._emit(obj, "propertyChange", source, name, value)
        if changed and object_type in ("line_items", "commerce_payments", "invoices"):
            if object_type == "invoices":
                self.commerce.after_status_write(obj)
            self.commerce.refresh([obj])
        return obj

    def archive_object(self, object_type: str, object_id: str,
                       source: ChangeSource = CRM_UI) -> None:
        obj = self._objects[object_type].get(object_id)
        if obj is None or obj.archived:
            return  # HubSpot answers 204 for an already-gone record
        affected = []
        if object_type == "line_items":
            for parent in self.commerce.parents_of(obj):
                self.commerce.check_parent_editable(parent)
                affected.append(parent)
        elif object_type == "commerce_payments":
            affected = self.linked(obj, "invoices")
        self._index(obj, add=False)
        obj.archived = True
        obj.archived_at = utcnow()
        self._emit(obj, "deletion", source)
        self.commerce.refresh(affected)

    def list_objects(self, object_type: str, limit: int, after: str | None,
                     archived: bool = False) -> tuple[list[CrmObject], str | None]:
        order = self._order[object_type]
        start = bisect.bisect_left(order, int(after)) if after else 0
        page: list[CrmObject] = []
        objects = self._objects[object_type]
        index = start
        while index < len(order) and len(page) <= limit:
            obj = objects[str(order[index])]
            if obj.archived == archived:
                page.append(obj)
            index += 1
        if len(page) > limit:
            next_after = page[limit].id
            return page[:limit], next_after
        return page, None

    # -- batches ------------------------------------------------------------------------------
    @staticmethod
    def _check_batch(inputs: list[Any]) -> None:
        if len(inputs) > MAX_BATCH:
            raise ValidationError(f"Batch input cannot be larger than {MAX_BATCH} inputs.",
                                  context={"limit": [str(MAX_BATCH)]})

    def batch_read(self, object_type: str, ids: list[str], id_property: str | None = None,
                   archived: bool = False) -> tuple[list[CrmObject], list[str]]:
        self._check_batch(ids)
        found, missing = [], []
        for object_id in dict.fromkeys(ids):
            try:
                found.append(self._find(object_type, object_id, id_property, archived))
            except ObjectNotFound:
                missing.append(object_id)
        return found, missing

    def batch_create(self, object_type: str, inputs: list[dict[str, Any]],
                     source: ChangeSource = CRM_UI) -> BatchOutcome:
        self._check_batch(inputs)
        outcome = BatchOutcome([], [], set())
        for item in inputs:
            try:
                obj = self.create_object(object_type, item.get("properties") or {},
                                         item.get("associations"), source)
                outcome.results.append(obj)
                outcome.created.add(obj.id)
            except HubSpotError as error:
                outcome.errors.append(error)
        return outcome

    def batch_update(self, object_type: str, inputs: list[dict[str, Any]],
                     source: ChangeSource = CRM_UI) -> BatchOutcome:
        self._check_batch(inputs)
        ids = [str(i.get("id")) for i in inputs]
        if len(set(ids)) != len(ids):
            raise ValidationError("Duplicate IDs found in batch input.",
                                  context={"ids": sorted({i for i in ids if ids.count(i) > 1})})
        outcome = BatchOutcome([], [], set())
        for item in inputs:
            try:
                outcome.results.append(self.update_object(
                    object_type, str(item.get("id")), item.get("properties") or {},
                    item.get("idProperty"), source))
            except HubSpotError as error:
                outcome.errors.append(error)
        return outcome

    def batch_upsert(self, object_type: str, inputs: list[dict[str, Any]],
                     source: ChangeSource = CRM_UI) -> BatchOutcome:
        self._check_batch(inputs)
        outcome = BatchOutcome([], [], set())
        for item in inputs:
            id_property = str(item.get("idProperty") or "")
            key = str(item.get("id") or "")
            try:
                definition = self.properties.find(object_type, id_property)
                if definition is None or not definition.has_unique_value:
                    raise ValidationError(
                        f"idProperty {id_property!r} must be a property with unique values "
                        f"(hasUniqueValue) on {object_type}.",
                        context={"idProperty": [id_property]})
                properties = dict(item.get("properties") or {})
                existing = self._unique.get((object_type, id_property), {}).get(
                    _unique_key(id_property, key))
                if existing is not None:
                    outcome.results.append(self.update_object(object_type, existing, properties,
                                                              source=source))
                else:
                    properties[id_property] = key
                    obj = self.create_object(object_type, properties, source=source)
                    outcome.results.append(obj)
                    outcome.created.add(obj.id)
            except HubSpotError as error:
                outcome.errors.append(error)
        return outcome

    def batch_archive(self, object_type: str, ids: list[str],
                      source: ChangeSource = CRM_UI) -> None:
        self._check_batch(ids)
        for object_id in ids:
            self.archive_object(object_type, object_id, source)

    # -- search -------------------------------------------------------------------------------
    def search_objects(self, object_type: ObjectType, request: SearchRequest
                       ) -> tuple[list[CrmObject], int]:
        now = utcnow()
        candidates: list[tuple[CrmObject, dict[str, str]]] = []
        for obj in self._objects[object_type.name].values():
            if obj.archived:
                continue
            if obj.searchable_at is None or obj.searchable_at <= now:
                candidates.append((obj, obj.properties))
            elif obj.indexed_properties is not None:
                candidates.append((obj, obj.indexed_properties))
        return run_search(candidates, request,
                          lambda name: self.properties.find(object_type.name, name),
                          object_type.search_text_properties)

    # -- associations (v4) --------------------------------------------------------------------
    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str,
                  types: list[AssociationType], source: ChangeSource = CRM_UI) -> None:
        first = self._live(from_type, from_id)
        second = self._live(to_type, to_id)
        self.commerce.check_associate(from_type, from_id, to_type, to_id)
        added = False
        for association in types:
            if self.associations.add(from_type, from_id, to_type, to_id, association):
                self._emit_association(association, from_id, to_id, False, source)
                added = True
        if added:
            self.commerce.refresh([first, second])

    def associate_default(self, from_type: str, from_id: str, to_type: str,
                          to_id: str, source: ChangeSource = CRM_UI) -> AssociationType:
        association = default_type(from_type, to_type)
        self.associate(from_type, from_id, to_type, to_id, [association], source)
        return association

    def associations_of(self, from_type: str, from_id: str, to_type: str
                        ) -> list[tuple[str, list[int]]]:
        self._live(from_type, from_id)
        objects = self._objects[to_type]
        return [(oid, types) for oid, types in self.associations.of(from_type, from_id, to_type)
                if oid in objects and not objects[oid].archived]

    def remove_association(self, from_type: str, from_id: str, to_type: str, to_id: str,
                           source: ChangeSource = CRM_UI) -> None:
        if to_id not in self.associations.ids_of(from_type, from_id, to_type):
            return
        self.commerce.check_dissociate(from_type, from_id, to_type, to_id)
        for type_id in sorted(self.associations.remove(from_type, from_id, to_type, to_id)):
            association = association_type_by_id(from_type, to_type, type_id, "HUBSPOT_DEFINED")
            self._emit_association(association, from_id, to_id, True, source)
        first = self._objects[from_type].get(from_id)
        second = self._objects[to_type].get(to_id)
        self.commerce.refresh([o for o in (first, second) if o is not None])

    def refund_payment(self, payment_id: str, amount: Decimal | None,
                       source: ChangeSource = CRM_UI) -> CrmObject:
        return self.commerce.refund(self._live("commerce_payments", payment_id), amount, source)

    # -- properties ---------------------------------------------------------------------------
    def create_property(self, object_type: str, spec: dict[str, Any]) -> PropertyDefinition:
        return self.properties.create(object_type, spec)

    def update_property(self, object_type: str, name: str, spec: dict[str, Any]
                        ) -> PropertyDefinition:
        return self.properties.update(object_type, name, spec)

    def archive_property(self, object_type: str, name: str) -> None:
        self.properties.archive(object_type, name)

    def count(self, object_type: str) -> int:
        return sum(1 for o in self._objects[object_type].values() if not o.archived)


class HubSpotWorld:
    """Apps, people, portals, tokens and one backend per portal: the whole emulated HubSpot."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.directory = Directory()
        self.oauth = OAuthServer(self.directory, config.access_token_lifetime_s,
                                 config.auth_code_lifetime_s)
        self.backends: dict[int, HubSpotBackend] = {}
        self.change_listeners: list[ChangeListener] = []
        self.subscriptions = SubscriptionBook(
            parse_spec(config.webhook_subscriptions or ALL))

    def add_portal(self, portal: Portal) -> HubSpotBackend:
        self.directory.add_portal(portal)
        backend = HubSpotBackend(portal, self.config.search_delay_s)
        # The world's own list: a backend with nobody listening builds no events at all.
        backend.listeners = self.change_listeners
        self.backends[portal.id] = backend
        return backend

    def _relay(self, event: ChangeEvent) -> None:
        for listener in self.change_listeners:
            listener(event)

    def backend(self, portal_id: int) -> HubSpotBackend:
        backend = self.backends.get(portal_id)
        if backend is None:
            raise ObjectNotFound(f"Portal {portal_id} does not exist.",
                                 context={"portalId": [str(portal_id)]})
        return backend

    def reset(self) -> None:
        """Back to an empty world: no apps, users, portals or tokens."""
        self.directory.reset()
        self.oauth.reset()
        self.backends.clear()
        self.subscriptions.reset()

    def state(self) -> dict[str, Any]:
        return {
            "apps": [a.as_json() for a in self.oauth.apps.values()],
            "portals": [{"id": p.id, "name": p.name, "domain": p.domain}
                        for p in self.directory.portals.values()],
            "users": [
                {"email": u.email, "password": u.password, "user_id": u.id,
                 "portals": [{"id": m.portal_id, "super_admin": m.super_admin}
                             for m in u.memberships]}
                for u in self.directory.users.values()
            ],
            "installs": [i.as_json() for i in self.oauth.installs.values()],
            "counts": {str(pid): {t: b.count(t) for t in OBJECT_TYPES}
                       for pid, b in self.backends.items()},
        }
