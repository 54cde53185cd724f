"""The stored form of schema 3: every record reads back exactly as it was written, whatever
its shape, and takes far fewer bytes when it has the ledger's shape. Real LMDB."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from agent_git_tracker.config.settings import load
from agent_git_tracker.store import compact, keys, pairs
from agent_git_tracker.store.db import open_store

PROJECT = "/home/ada/src/parser"
HASH = "3f" * 20


def commit_record(project: str = PROJECT, commit_hash: str = HASH) -> dict[str, Any]:
    """A commit record as the ledger writes it."""
    return {
        "agent_id": "claude-code",
        "model": "Claude Opus 4.5",
        "kind": "agent",
        "evidence": ["trailer Co-Authored-By"],
        "model_canonical": "claude-opus-4.5",
        "model_variant": None,
        "confidence": "high",
        "agents": [
            {
                "agent_id": "claude-code",
                "model": "Claude Opus 4.5",
                "model_canonical": "claude-opus-4.5",
            }
        ],
        "setup": "tdd",
        "commit_hash": commit_hash,
        "project_path": project,
        "task_description": "Tighten the parser",
        "experience_gained": 0,
        "timestamp": "2026-03-01T10:00:00+01:00",
        "subject": "Tighten the parser",
        "author_name": "Ada",
        "author_email": "ada@example.com",
        "authored_at": "2026-03-01T10:00:00+01:00",
        "committer_name": "Ada",
        "committer_email": "ada@example.com",
        "committed_at": "2026-03-01T10:00:00+01:00",
        "parents": ["ab" * 20],
        "branch": "main",
        "files_changed": 3,
        "insertions": 40,
        "deletions": 2,
        "stats_capped": False,
        "recorded_at": "2026-03-01T09:00:01.250+00:00",
        "origin": ["2026-03-01T09:00:01.250", commit_hash],
    }


def grade_records(seconds: int = 1_772_355_601) -> dict[str, dict[str, Any]]:
    """A retrospective and its two communication events, as the ledger writes them."""
    millis = seconds * 1000 + 250
    when = "2026-03-01T09:00:01.250+00:00"
    common = {"agent_id": "claude-code", "commit_hash": HASH, "project_path": PROJECT}
    return {
        keys.retrospective("claude-code", PROJECT, HASH): {
            "agent_id": "claude-code",
            "project_path": PROJECT,
            "commit": HASH,
            "timestamp": when,
            "task": "Tighten the parser",
            "agent_grade": 2,
            "user_grade": 5,
            "agent_note": "",
            "user_note": "",
            "event": "0001-2-abcd",
        },
        keys.communication("claude-code", PROJECT, HASH, millis * 2): {
            **common,
            "grade": 2,
            "label": "good",
            "given_by": "agent",
            "timestamp": when,
        },
        keys.communication("claude-code", PROJECT, HASH, millis * 2 + 1): {
            **common,
            "grade": 5,
            "label": "excellence",
            "given_by": "user",
            "timestamp": when,
        },
    }


def variants(record: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """The record with fields dropped, changed in type or value, and added."""
    odd_values: list[Any] = [None, 0, False, 1.0, "", [], {}, "x" * 300, 17, True, ["a"]]
    out = []
    for name in record:
        out.append({k: v for k, v in record.items() if k != name})
        for odd in odd_values:
            out.append({**record, name: odd})
    for _ in range(40):
        changed = dict(record)
        for name in rng.sample(sorted(record), k=rng.randint(1, 5)):
            if rng.random() < 0.3:
                del changed[name]
            else:
                changed[name] = rng.choice(odd_values)
        changed["extra_field"] = {"tokens": rng.randint(0, 10**9)}
        out.append(changed)
    return out


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(load(db_path=str(tmp_path / "t.lmdb"))) as opened:
        yield opened


def test_records_of_every_shape_read_back_exactly(store: Any) -> None:
    rng = random.Random(11)
    commit_key = keys.commit(PROJECT, HASH)
    cases = [(commit_key, v) for v in variants(commit_record(), rng)]
    for key, value in grade_records().items():
        cases += [(key, v) for v in variants(value, rng)]
    for key, value in cases:
        with store.writing() as txn:
            txn.put(key, value)
        with store.reading() as view:
            assert view.get(key) == value, key
            assert dict(view.scan(key)) == {key: value}


def test_the_ledger_shape_is_small_and_restored_whole(store: Any) -> None:
    records = {keys.commit(PROJECT, HASH): commit_record(), **grade_records()}
    store.put_many(records)
    with store.reading() as view:
        assert dict(view.scan("")) == {**dict(view.scan("meta:")), **records}
    with store.snapshot() as txn:
        stored = {k.decode(): bytes(v) for k, v in txn.cursor() if not k.startswith(b"meta:")}
    # The two communication events are one record: the grades alone.
    assert set(stored) == {keys.commit(PROJECT, HASH), *list(grade_records())[:2]}
    plain = sum(len(compact.dumps(v)) for v in records.values())
    assert sum(map(len, stored.values())) < plain / 3


@pytest.mark.parametrize(
    "project",
    [
        "/home/ada/src/a:b%c",  # encoded in the key
        "/home/ada/" + "deep/" * 60,  # longer than a key part: the key keeps a digest
        "/home/ada/caf\udce9",  # a byte that is not UTF-8: the value holds U+FFFD
        "/home/ada/src/naïve",
    ],
)
def test_paths_the_key_cannot_give_back_are_kept_in_the_value(store: Any, project: str) -> None:
    record = commit_record(project)
    key = keys.commit(project, HASH)
    store.put_many({key: record})
    with store.reading() as view:
        back = view.get(key)
    assert back == {
        **record,
        "project_path": project.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
    }


def test_halves_of_a_pair_are_written_and_removed_one_by_one(store: Any) -> None:
    agent, user = list(grade_records())[1:]
    values = grade_records()
    odd_key = keys.communication("claude-code", PROJECT, HASH, 7)  # the older plugin's seqs
    with store.writing() as txn:
        txn.put(user, values[user])
        txn.put(odd_key, {"grade": 1, "note": "kept as it was"})
    with store.reading() as view:
        assert view.get(agent) is None and view.get(user) == values[user]
        assert dict(view.scan("communication:")) == {
            user: values[user],
            odd_key: {"grade": 1, "note": "kept as it was"},
        }
        assert view.count("communication:") == 2
    with store.writing() as txn:
        txn.put(agent, values[agent])
        txn.delete(user)
    with store.reading() as view:
        assert list(view.keys("communication:")) == [odd_key, agent] or list(
            view.keys("communication:")
        ) == sorted([odd_key, agent])
        assert view.get(user) is None and view.get(agent) == values[agent]
    with store.writing() as txn:
        txn.delete(agent)
        txn.delete(odd_key)
    with store.reading() as view:
        assert view.count("communication:") == 0


def test_records_stored_by_earlier_versions_are_read_and_taken_into_pairs(store: Any) -> None:
    """A database part way through its upgrade: plain JSON records beside compact ones."""
    values = grade_records()
    agent, user = list(values)[1:]
    with store.writing() as txn:
        for key, value in values.items():  # as schema 2 stored them
            txn._txn.put(keys.to_bytes(key), compact.dumps(value))
    with store.reading() as view:
        assert dict(view.scan("")) == {**dict(view.scan("meta:")), **values}
    with store.writing() as txn:
        txn.put(agent, {**values[agent], "grade": -1, "label": "bad"})
    with store.reading() as view:
        assert view.get(user) == values[user]
        assert view.get(agent) == {**values[agent], "grade": -1, "label": "bad"}
        assert view.count("communication:") == 2
    with store.snapshot() as raw:
        assert raw.get(keys.to_bytes(user)) is None  # taken into the pair
        assert pairs.is_pair(raw.get(keys.to_bytes(agent)))


def test_large_free_text_is_deflated_and_restored() -> None:
    note = "The agent kept the tests green and explained each step. " * 20
    key = keys.activity("claude-code", "2026-03-01T09:00:01.250+00:00", "e1")
    value = {"agent_id": "claude-code", "task": "refactor", "actions": note}
    stored = compact.pack(key, value)
    assert stored[0] == compact.DEFLATED and len(stored) < len(note) / 4
    assert compact.unpack(key, stored) == value


def test_keys_of_an_earlier_version_s_shape_are_stored_alone_and_read_back(store: Any) -> None:
    """Grades keyed by agent and hash only (schema 1, before its upgrade) are kept as written."""
    old = {
        "retrospective:claude-code:abc": {"agent_grade": 3, "user_grade": 4, "commit": "abc"},
        "communication:claude-code:abc:8": {"grade": 3, "commit": "abc"},
        "communication:claude-code:abc:9": {"grade": 4, "commit": "abc"},
    }
    store.put_many(old)
    with store.reading() as view:
        assert {key: view.get(key) for key in old} == old
