"""Account: read and query only (items point at income accounts by IncomeAccountRef).

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account
"""

from __future__ import annotations

from .base import EntityKind


class AccountKind(EntityKind):
    name = "Account"
    creatable = False
    updatable = False
    queryable = frozenset(
        {
            "Name",
            "AccountType",
            "AccountSubType",
            "Classification",
            "Active",
            "FullyQualifiedName",
            "CurrentBalance",
        }
    )
