"""Tax rates of a portal (Commerce Hub tax rate library), served by `/tax-rates/v1/tax-rates`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .clock import iso, utcnow
from .exceptions import ObjectNotFound


@dataclass
class TaxRate:
    id: str
    name: str
    label: str
    percentage_rate: Decimal
    active: bool = True
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "label": self.label,
            # A JSON number, as HubSpot sends it; float() of a short decimal prints exactly.
            "percentageRate": float(self.percentage_rate),
            "active": self.active,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


class TaxRateBook:
    def __init__(self) -> None:
        self.rates: dict[str, TaxRate] = {}
        self._next_id = 9101

    def add(self, name: str, label: str, percentage_rate: Decimal, active: bool = True,
            at: datetime | None = None) -> TaxRate:
        moment = at or utcnow()
        rate = TaxRate(str(self._next_id), name, label, percentage_rate, active, moment, moment)
        self._next_id += 1
        self.rates[rate.id] = rate
        return rate

    def page(self, active: bool | None, after: int, limit: int) -> tuple[list[TaxRate], int | None]:
        chosen = [r for r in self.rates.values() if active is None or r.active == active]
        chosen.sort(key=lambda r: int(r.id))
        chosen = [r for r in chosen if int(r.id) > after]
        page = chosen[:limit]
        next_after = int(page[-1].id) if len(chosen) > limit else None
        return page, next_after

    def get(self, rate_id: str) -> TaxRate:
        rate = self.rates.get(rate_id)
        if rate is None:
            raise ObjectNotFound(f"Tax rate {rate_id} was not found.",
                                 context={"taxRateGroupId": [rate_id]})
        return rate
