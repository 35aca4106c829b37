"""Build customers straight into the operational store, so decision tests control every input."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa

from savile.decide import Product
from savile.store import SqlStore
from savile.store.tables import consents, customer_links, customers, holdings, products

PRODUCTS = {
    "CURR": Product("CURR", "Everyday Account", "current_account", False, 80.0, 16, None),
    "SAVE": Product("SAVE", "Easy Saver", "savings", False, 60.0, None, None),
    "CARD": Product("CARD", "Rewards Card", "credit_card", True, 150.0, 18, None),
    "LOAN": Product("LOAN", "Personal Loan", "personal_loan", True, 400.0, 18, 75),
    "KIDS": Product("KIDS", "Junior Saver", "savings", False, 20.0, None, 17),
}
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


def add_products(store: SqlStore) -> None:
    with store.begin() as connection:
        connection.execute(sa.insert(products), [
            {"product_code": p.code, "name": p.name, "category": p.category, "is_credit": p.is_credit,
             "annual_value": p.annual_value, "min_age": p.min_age, "max_age": p.max_age} for p in PRODUCTS.values()])


def add_customer(store: SqlStore, customer_id: str, *, birth_date: date | None = date(1985, 5, 1), language: str = "en",
                 held: tuple[str, ...] = ("CURR",), grants: dict[tuple[str, str | None], bool] | None = None,
                 **attributes: Any) -> None:
    grants = {("marketing", "email"): True, ("marketing", "in_app"): True, ("profiling", None): True} if grants is None else grants
    source_id = f"src-{customer_id}"
    with store.begin() as connection:
        values = {"first_name": "Alex", "last_name": "Doe", "email": f"{customer_id}@example.org", "phone": "+447700900000", **attributes}
        connection.execute(sa.insert(customers).values(
            customer_id=customer_id, status="active", birth_date=birth_date, language=language, record_count=1, created_at=NOW,
            updated_at=NOW, **values))
        connection.execute(sa.insert(customer_links).values(source="core", source_customer_id=source_id, customer_id=customer_id,
                                                            method="single", linked_at=NOW))
        for i, code in enumerate(held):
            connection.execute(sa.insert(holdings).values(account_id=f"{customer_id}-{i}", source="core", source_customer_id=source_id,
                                                          product_code=code, opened_at=date(2020, 1, 1)))
        for (purpose, channel), granted in grants.items():
            key = hashlib.sha256(f"{source_id}|{purpose}|{channel}".encode()).hexdigest()
            connection.execute(sa.insert(consents).values(record_key=key, source="core", source_customer_id=source_id, purpose=purpose,
                                                          channel=channel, granted=granted, recorded_at=NOW))
