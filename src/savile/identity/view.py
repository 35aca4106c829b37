"""One customer, whole: the golden record with lineage, its source records, evidence and history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from savile.exceptions import NotFoundError
from savile.identity._queries import RECORD_LINK, linked_on
from savile.identity.crosswalk import consents_in_force
from savile.store import SqlStore
from savile.store.tables import customer_links, customer_records, customers, holdings, identity_history


def customer_view(store: SqlStore, customer_id: str) -> dict[str, Any]:
    with store.begin() as connection:
        golden = connection.execute(sa.select(customers).where(customers.c.customer_id == customer_id)).mappings().first()
        if golden is None:
            raise NotFoundError(f"No customer {customer_id}. Find ids with: savile export identities --out FILE.csv")
        if golden["status"] == "merged":
            return {"customer_id": customer_id, "status": "merged", "merged_into": golden["merged_into"]}
        linked = connection.execute(
            sa.select(customer_records, customer_links.c.method, customer_links.c.probability, customer_links.c.evidence)
            .join(customer_links, RECORD_LINK)
            .where(customer_links.c.customer_id == customer_id)
            .order_by(customer_records.c.source, customer_records.c.source_customer_id)
        ).mappings().all()
        held = connection.execute(sa.select(holdings).join(customer_links, linked_on(holdings))
                                  .where(customer_links.c.customer_id == customer_id).order_by(holdings.c.opened_at)).mappings().all()
        history = connection.execute(sa.select(identity_history).where(sa.or_(
            identity_history.c.customer_id == customer_id, identity_history.c.other_customer_id == customer_id,
        )).order_by(identity_history.c.history_id)).mappings().all()
        consents = consents_in_force(connection, customer_id)
    golden_fields = {k: v for k, v in golden.items() if k not in ("lineage",)}
    return {
        **golden_fields,
        "lineage": golden["lineage"],
        "records": [{k: v for k, v in row.items() if k not in ("record_id", "extra")} for row in linked],
        "holdings": [dict(row) for row in held],
        "consents": consents,
        "history": [dict(row) for row in history],
    }
