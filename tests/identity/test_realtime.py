from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from savile.identity import realtime
from savile.identity.realtime import link_event, link_new_record, match_event
from savile.identity.resolve import resolve
from savile.store.tables import customer_links, identity_history, steward_rules
from savile.workspace import Workspace
from tests.ingest.helpers import ingest, write

TRUST = ["core", "crm", "cards", "app"]


def _resolved(workspace: Workspace, example_folder: Path) -> dict[tuple[str, str], str]:
    ingest(workspace, example_folder)
    resolve(workspace.store, workspace.analytics, TRUST)
    with workspace.store.begin() as connection:
        return {(r.source, r.source_customer_id): r.customer_id for r in connection.execute(sa.select(customer_links))}


def test_events_link_by_source_id_device_email_or_phone(workspace: Workspace, example_folder: Path) -> None:
    links = _resolved(workspace, example_folder)
    petrov = links[("core", "C-1001")]
    with workspace.store.begin() as connection:
        assert match_event(connection, {"source": "app", "source_customer_id": "u_77"}) == (petrov, "source_id")
        assert match_event(connection, {"device_id": "d-9f2"}).customer_id == petrov
        assert match_event(connection, {"email": " A.Petrov@Example.com"}) == (petrov, "email")
        assert match_event(connection, {"phone": "+989121234567"}).linked_by == "phone"
        assert match_event(connection, {"device_id": "never-seen"}).customer_id is None


def test_a_device_seen_anonymously_is_stitched_and_its_earlier_events_follow(workspace: Workspace, example_folder: Path, tmp_path: Path) -> None:
    links = _resolved(workspace, example_folder)
    anonymous = tmp_path / "anon"
    anonymous.mkdir()
    write(anonymous / "interactions.jsonl",
          '{"event_id": "x-1", "occurred_at": "2026-02-04T10:00:00Z", "channel": "web", "event_type": "page_view", "device_id": "br-42"}\n')
    ingest(workspace, anonymous)
    before = dict(workspace.analytics.run("SELECT event_id, customer_id FROM interactions_resolved"))
    assert before["x-1"] is None
    found = link_event(workspace.store, workspace.analytics, {"device_id": "br-42", "email": "a.petrov@example.com"})
    assert found.customer_id == links[("core", "C-1001")]
    after = dict(workspace.analytics.run("SELECT event_id, customer_id FROM interactions_resolved"))
    assert after["x-1"] == links[("core", "C-1001")]


def test_a_new_record_joins_its_customer_without_a_batch_run(workspace: Workspace, example_folder: Path, tmp_path: Path) -> None:
    links = _resolved(workspace, example_folder)
    folder = tmp_path / "new"
    folder.mkdir()
    write(folder / "customers.csv", "source,source_customer_id,first_name,last_name,email,phone,updated_at\n"
          "branch,B-1,Sasha,Petrov,a.petrov@example.com,,2026-03-01T00:00:00Z\n"
          "branch,B-2,Olga,Petrova,a.petrov@example.com,,2026-03-01T00:00:00Z\n"
          "branch,B-3,Ivan,Sidorov,ivan@example.org,,2026-03-01T00:00:00Z\n")
    ingest(workspace, folder)
    joined = link_new_record(workspace.store, "branch", "B-1", TRUST)
    household = link_new_record(workspace.store, "branch", "B-2", TRUST)
    stranger = link_new_record(workspace.store, "branch", "B-3", TRUST)
    assert joined == (links[("core", "C-1001")], "same email and surname")
    assert household.linked_by == "new" and household.customer_id != joined.customer_id  # a shared mailbox, another person
    assert stranger.linked_by == "new"
    assert link_new_record(workspace.store, "branch", "B-1", TRUST).linked_by == "already linked"
    with workspace.store.begin() as connection:
        kinds = [r.kind for r in connection.execute(sa.select(identity_history).where(identity_history.c.actor == "realtime"))]
    assert sorted(kinds) == ["created", "created", "joined"]


def test_a_new_record_stays_apart_from_records_a_steward_kept_it_from(workspace: Workspace, example_folder: Path,
                                                                       tmp_path: Path) -> None:
    links = _resolved(workspace, example_folder)
    folder = tmp_path / "new"
    folder.mkdir()
    write(folder / "customers.csv", "source,source_customer_id,first_name,last_name,email,phone,updated_at\n"
          "branch,B-1,Sasha,Petrov,a.petrov@example.com,,2026-03-01T00:00:00Z\n")
    ingest(workspace, folder)
    with workspace.store.begin() as connection:  # e.g. split out once, and its link erased since
        connection.execute(sa.insert(steward_rules).values(
            kind="keep_apart", left_source="core", left_source_customer_id="C-1001", right_source="branch",
            right_source_customer_id="B-1", reason="another Sasha Petrov", actor="steward", created_at=datetime.now(timezone.utc)))
    found = link_new_record(workspace.store, "branch", "B-1", TRUST)
    assert found.linked_by == "new" and found.customer_id != links[("core", "C-1001")]


@pytest.mark.parametrize("batch", [realtime.NAMESAKE_BATCH, 1])  # 1: the namesakes are read in different batches
def test_a_record_with_only_a_name_joins_the_one_customer_of_that_name(workspace: Workspace, example_folder: Path, tmp_path: Path,
                                                                        batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(realtime, "NAMESAKE_BATCH", batch)
    links = _resolved(workspace, example_folder)
    folder = tmp_path / "names"
    folder.mkdir()
    write(folder / "customers.csv", "source,source_customer_id,first_name,last_name,updated_at\n"
          "web,W-1,Саша,Петров,2026-03-01T00:00:00Z\n"  # the only Aleksandr Petrov, in Cyrillic and a short form
          "web,W-2,Boris,Petrov,2026-03-01T00:00:00Z\n"  # a Petrov, but not this one's first name
          "web,W-3,Ivan,Sidorov,2026-03-01T00:00:00Z\n"  # nobody of that name
          "web,W-4,Ivan,Sidorov,2026-03-01T00:00:00Z\n")  # only another name-only record of that name
    ingest(workspace, folder)
    joined = link_new_record(workspace.store, "web", "W-1", TRUST)
    assert joined == (links[("core", "C-1001")], "the only customer with this name")
    assert link_new_record(workspace.store, "web", "W-2", TRUST).linked_by == "new"
    first_sidorov = link_new_record(workspace.store, "web", "W-3", TRUST)
    second_sidorov = link_new_record(workspace.store, "web", "W-4", TRUST)
    assert first_sidorov.linked_by == second_sidorov.linked_by == "new" and first_sidorov.customer_id != second_sidorov.customer_id

    write(folder / "customers.csv", "source,source_customer_id,first_name,last_name,birth_date,national_id,updated_at\n"
          "core,C-2001,Aleksandr,Petrov,1990-01-01,ZZ999999A,2026-03-01T00:00:00Z\n")  # a second Aleksandr Petrov
    ingest(workspace, folder)
    assert link_new_record(workspace.store, "core", "C-2001", TRUST).linked_by == "new"
    write(folder / "customers.csv", "source,source_customer_id,first_name,last_name,updated_at\n"
          "web,W-5,Aleksandr,Petrov,2026-03-02T00:00:00Z\n")
    ingest(workspace, folder)
    assert link_new_record(workspace.store, "web", "W-5", TRUST).linked_by == "new"  # two namesakes now: nobody guesses
