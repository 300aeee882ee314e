"""QuickBooksClient: calls to the QuickBooks Online Accounting API for one company (realm)."""

from __future__ import annotations

from typing import Any

import httpx

from simplecommercesync.providers.http.errors import Unreachable, json_body
from simplecommercesync.providers.quickbooks.errors import raise_for_quickbooks

MINOR_VERSION = "75"


class QuickBooksClient:
    def __init__(self, api_base_url: str, realm_id: str, access_token: str, http: httpx.Client) -> None:
        self.base = f"{api_base_url.rstrip('/')}/v3/company/{realm_id}"
        self.realm_id = realm_id
        self.http = http
        self.headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}

    def company_info(self) -> dict[str, Any]:
        """GET /v3/company/{realm}/companyinfo/{realm} (Intuit API reference, CompanyInfo)."""
        response = self.http.get(
            f"{self.base}/companyinfo/{self.realm_id}",
            params={"minorversion": MINOR_VERSION},
            headers=self.headers,
        )
        raise_for_quickbooks(response)
        body = json_body(response, "QuickBooks' CompanyInfo")
        info = body.get("CompanyInfo") if isinstance(body, dict) else None
        if not isinstance(info, dict):
            raise Unreachable(
                "QuickBooks answered CompanyInfo without a company", status=response.status_code
            )
        return info
