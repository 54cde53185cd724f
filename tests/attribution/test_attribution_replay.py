"""The 165 labelled real commits, replayed as real commits through the real hooks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from agent_git_tracker.attribution.agents import AGENT_IDS
from agent_git_tracker.config.settings import load
from agent_git_tracker.store import keys
from agent_git_tracker.store.db import open_store

from conftest import FIXTURES, git, tracker

DEV = FIXTURES / "attribution" / "dev.jsonl"


def replay(repo: Path, row: dict[str, str], n: int) -> str:
    message = repo.parent / f"message-{n}.txt"
    message.write_bytes(row["message"].encode())
    git(
        repo,
        "commit",
        "-q",
        "--allow-empty",
        "--cleanup=verbatim",
        "-F",
        str(message),
        "--author",
        f"{row['author_name']} <{row['author_email']}>",
        env={
            "GIT_COMMITTER_NAME": row["committer_name"],
            "GIT_COMMITTER_EMAIL": row["committer_email"],
            "GIT_AUTHOR_DATE": row["author_date"],
        },
    )
    return git(repo, "rev-parse", "HEAD").strip()


def test_labelled_commits_through_the_hooks(repo: Path, db_path: Path) -> None:
    rows = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    hashes = [replay(repo, row, n) for n, row in enumerate(rows)]
    tracker("flush", cwd=repo)
    with open_store(load()) as store, store.reading() as view:
        found = [view.get(keys.commit(str(repo), h)) for h in hashes]
    assert all(found), "every commit is recorded"
    hits: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    relevant: Counter[str] = Counter()
    models = [0, 0]
    for row, record in zip(rows, found, strict=True):
        assert record is not None
        agent, label = record["agent_id"], row["label_agent"]
        if agent in AGENT_IDS:
            predicted[agent] += 1
            hits[agent] += agent == label
        if label in AGENT_IDS and "prose-only" not in row["label_basis"]:
            relevant[label] += 1
        if label in ("human", "bot"):
            assert agent == label or agent not in AGENT_IDS, row["sha"]
        if row["label_model"] and agent == label:
            models[0] += 1
            models[1] += record["model"] == row["label_model"]
    precision = sum(hits.values()) / sum(predicted.values())
    recall = sum(hits[a] for a in relevant) / sum(relevant.values())
    assert precision >= 0.99, predicted
    assert recall >= 0.95, (hits, relevant)
    assert models[1] >= 0.95 * models[0]
