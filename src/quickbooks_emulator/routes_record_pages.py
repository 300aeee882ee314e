"""QuickBooks Online's own record pages, read-only, at the paths of its web app that the product
links to: /app/invoice?txnId=, /app/estimate?txnId=, /app/recvpayment?txnId=,
/app/customerdetail?nameId=.

QuickBooks' web app URLs carry no company id: the page opens in the company the person is working
in. The emulator has no company switcher, so (our choice, see README) the company is `realmId` when
given, else the one the signed-in person most recently connected an app to, else their first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .entities.company import CompanyBackend
from .oauth_models import User
from .routes_oauth import SESSION_COOKIE
from .runtime import Runtime

# path → (entity, query parameter, heading); the paths and parameters of QuickBooks Online's web app.
TRANSACTION_PAGES: dict[str, tuple[str, str]] = {
    "/app/invoice": ("Invoice", "Invoice"),
    "/app/estimate": ("Estimate", "Estimate"),
    "/app/recvpayment": ("Payment", "Receive payment"),
}
PAGE_OF_ENTITY = {"Invoice": "/app/invoice", "Estimate": "/app/estimate", "Payment": "/app/recvpayment"}
TRANSACTION_FIELDS = ("DocNumber", "TxnDate", "DueDate", "ExpirationDate", "TxnStatus", "CurrencyRef",
                      "TotalAmt", "Balance", "UnappliedAmt", "PrivateNote")
CUSTOMER_FIELDS = ("DisplayName", "GivenName", "FamilyName", "CompanyName", "PrimaryEmailAddr", "Balance",
                   "CurrencyRef", "Taxable", "Active", "BillAddr", "ShipAddr")


def _shown(value: Any) -> str:
    """A field as QuickBooks shows it: a reference by its name, an address on one line."""
    if isinstance(value, dict):
        if "Address" in value:
            return str(value["Address"])
        if "name" in value or "value" in value:
            return str(value.get("name") or value.get("value") or "")
        parts = [value.get(k) for k in ("Line1", "City", "CountrySubDivisionCode", "PostalCode", "Country")]
        return ", ".join(str(p) for p in parts if p)
    return "" if value is None else str(value)


def transaction_link(entity: str, txn_id: str, realm_id: str) -> str:
    page = PAGE_OF_ENTITY.get(entity)
    return f"{page}?{urlencode({'txnId': txn_id, 'realmId': realm_id})}" if page else ""


class RecordPageRoutes:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def _page(self, request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
        return self.runtime.templates.TemplateResponse(request, template, context, status_code=status)

    def _company(self, request: Request, user: User) -> CompanyBackend | None:
        companies = self.runtime.world.companies
        wanted = request.query_params.get("realmId")
        if wanted:
            return companies.get(wanted) if wanted in user.realm_ids else None
        grants = [g for g in self.runtime.world.oauth.grants.values()
                  if g.user_email == user.email and g.active and g.realm_id in user.realm_ids]
        if grants:
            return companies.get(max(grants, key=lambda g: g.created_at).realm_id)
        return next((companies[r] for r in user.realm_ids if r in companies), None)

    def _open(self, request: Request) -> tuple[User | None, CompanyBackend | None, Response | None]:
        user = self.runtime.world.oauth.user_for_session(request.cookies.get(SESSION_COOKIE))
        if user is None:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return None, None, self._page(request, "signin_plain.html", {"next": here, "error": None})
        company = self._company(request, user)
        if company is None:
            return user, None, self._page(request, "error.html", {
                "title": "Company not available", "detail": "You don't have access to that company."}, 403)
        return user, company, None

    def _not_found(self, request: Request, what: str) -> Response:
        return self._page(request, "error.html", {
            "title": f"{what} not found",
            "detail": f"This {what.lower()} doesn't exist in this company, or it was deleted."}, 404)

    async def transaction(self, request: Request) -> Response:
        entity, heading = TRANSACTION_PAGES[request.url.path]
        user, company, refused = self._open(request)
        if refused is not None:
            return refused
        assert user is not None and company is not None
        record = company.find(entity, request.query_params.get("txnId") or "")
        if record is None:
            return self._not_found(request, heading if entity != "Payment" else "Payment")
        body = company.render(record)
        customer = body.get("CustomerRef") or {}
        lines = []
        for line in body.get("Line") or []:
            detail = line.get("SalesItemLineDetail") or {}
            linked = [{"label": f"{t.get('TxnType')} {t.get('TxnId')}",
                       "href": transaction_link(str(t.get("TxnType")), str(t.get("TxnId")), company.realm_id)}
                      for t in line.get("LinkedTxn") or []]
            lines.append({"description": line.get("Description") or "", "item": _shown(detail.get("ItemRef")),
                          "qty": _shown(detail.get("Qty")), "rate": _shown(detail.get("UnitPrice")),
                          "amount": _shown(line.get("Amount")), "tax": _shown(detail.get("TaxCodeRef")),
                          "kind": line.get("DetailType") or "", "linked": linked})
        linked = [{"label": f"{t.get('TxnType')} {t.get('TxnId')}",
                   "href": transaction_link(str(t.get("TxnType")), str(t.get("TxnId")), company.realm_id)}
                  for t in body.get("LinkedTxn") or []]
        return self._page(request, "record_transaction.html", {
            "user": user, "company": company, "heading": heading, "entity": entity, "body": body,
            "fields": [(name, _shown(body[name])) for name in TRANSACTION_FIELDS if body.get(name) not in (None, "")],
            "total_tax": _shown((body.get("TxnTaxDetail") or {}).get("TotalTax")),
            "customer_name": _shown(customer),
            "customer_href": f"/app/customerdetail?{urlencode({'nameId': customer.get('value'), 'realmId': company.realm_id})}"
            if customer.get("value") else "",
            "lines": lines, "linked": linked,
        })

    async def customer(self, request: Request) -> Response:
        user, company, refused = self._open(request)
        if refused is not None:
            return refused
        assert user is not None and company is not None
        record = company.find("Customer", request.query_params.get("nameId") or "")
        if record is None:
            return self._not_found(request, "Customer")
        body = company.render(record)
        transactions = []
        for entity in ("Invoice", "Estimate", "Payment"):
            for other in company.live_records(entity):
                if str((other.fields.get("CustomerRef") or {}).get("value")) == record.id:
                    doc = other.fields.get("DocNumber") or other.id
                    transactions.append({"label": f"{entity} {doc}", "total": _shown(other.fields.get("TotalAmt")),
                                         "href": transaction_link(entity, other.id, company.realm_id)})
        return self._page(request, "record_customer.html", {
            "user": user, "company": company, "body": body,
            "fields": [(name, _shown(body[name])) for name in CUSTOMER_FIELDS if body.get(name) not in (None, "")],
            "transactions": transactions,
        })

    def routes(self) -> list[BaseRoute]:
        return [
            *[Route(path, self.transaction, methods=["GET"]) for path in TRANSACTION_PAGES],
            Route("/app/customerdetail", self.customer, methods=["GET"]),
        ]
