"""The line after a commit and the merge check: from what the hook already knows."""

from __future__ import annotations

from pathlib import Path

from agent_git_tracker.capture import notice

TRAILER = "fix\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"


def test_the_line_names_agent_model_and_why() -> None:
    commit = {"message": TRAILER}
    line = notice.line(None, {}, ["CLAUDECODE"], commit)
    assert line == "recorded as claude-code / claude-opus-4.5 (CLAUDECODE, trailer)"
    session = {"agent": "codex", "model": "gpt-5", "started": "2026-01-02T03:04:05.000+00:00"}
    said = notice.line(session, {}, ["CODEX_SANDBOX"], {"message": "x"})
    assert said is not None and said.startswith("recorded as codex / gpt-5 (session since ")
    assert notice.line(session, {}, [], {"message": "x"}) is None  # not codex's shell: a person
    aider = notice.line({"agent": "aider", "started": "?"}, {}, [], {"message": "x"})
    assert aider == "recorded as aider (session since ?)"
    declared = notice.line(None, {"agent": "my-bot", "model": "m"}, [], {"message": ""})
    assert declared == "recorded as my-bot / m (AGENT_TRACKER_AGENT)"
    assert notice.line(None, {}, [], commit) is None  # its text decides, at flush


def test_a_person_at_the_vendor_is_no_model() -> None:
    person = "x\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
    assert notice.trailer_model("claude-code", person) == ""
    assert notice.trailer_model("codex", TRAILER) == ""


def test_merge_made_reads_the_reflog(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    a, b = "a" * 40, "b" * 40
    (logs / "HEAD").write_text(
        f"{a} {b} Ada <a@x> 1 +0000\tmerge topic: Merge made by the 'ort' strategy.\n"
    )
    assert notice.merge_made(str(tmp_path), b) and not notice.merge_made(str(tmp_path), a)
    (logs / "HEAD").write_text(f"{a} {b} Ada <a@x> 1 +0000\tpull: Fast-forward\n")
    assert not notice.merge_made(str(tmp_path), b)
    assert not notice.merge_made(str(tmp_path / "missing"), b)
