from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_git_tracker.attribution.agents import AGENT_IDS
from agent_git_tracker.attribution.detect import (
    HUMAN,
    Attribution,
    Named,
    from_commit,
    from_environment,
)

DEV = Path(__file__).resolve().parents[1] / "fixtures" / "attribution" / "dev.jsonl"

ALICE = ("Alice Example", "alice@example.com")


def commit(
    message: str,
    author: tuple[str, str] = ALICE,
    committer: tuple[str, str] | None = None,
) -> Attribution:
    """What `from_commit` says about a commit, a missing answer meaning human."""
    committer = committer or author
    return from_commit(*author, *committer, message) or HUMAN


def trailer(line: str) -> Attribution:
    return commit(f"Fix the parser\n\nLonger explanation.\n\n{line}\n")


# --- each agent's own conventions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "agent", "model"),
    [
        ("Co-Authored-By: Claude <noreply@anthropic.com>", "claude-code", None),
        ("Co-Authored-By: Claude Code <noreply@anthropic.com>", "claude-code", None),
        (
            "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
            "claude-code",
            "Claude Opus 4.5",
        ),
        (
            "Co-Authored-By: Claude (claude-sonnet-4-6) <claude@anthropic.com>",
            "claude-code",
            "Claude (claude-sonnet-4-6)",
        ),
        ("Assisted-by: Claude:claude-3-opus coccinelle sparse", "claude-code", "claude-3-opus"),
        ("Co-authored-by: Codex <noreply@openai.com>", "codex", None),
        ("Co-authored-by: OpenAI Codex <noreply@openai.com>", "codex", None),
        ("Co-authored-by: Codex <codex@openai.com>", "codex", None),
        (
            "Co-Authored-By: Codex (gpt-5.3-codex medium) "
            "<199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
            "codex",
            "gpt-5.3-codex medium",
        ),
        ("Co-Authored-By: opencode <noreply@opencode.ai>", "opencode", None),
        (
            "Co-authored-by: opencode-agent[bot] <opencode-agent[bot]@users.noreply.github.com>",
            "opencode",
            None,
        ),
        ("Assisted-by: OpenCode:Kimi-K2.5", "opencode", "Kimi-K2.5"),
        ("Co-authored-by: aider (gpt-4o) <aider@aider.chat>", "aider", "gpt-4o"),
        ("Co-authored-by: Cursor <cursoragent@cursor.com>", "cursor", None),
        ("Made-with: Cursor", "cursor", None),
        ("Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>", "copilot", None),
        ("Co-Authored-By: GitHub Copilot <copilot@github.com>", "copilot", None),
        ("Agent-Logs-Url: https://github.com/o/r/sessions/0823e42b", "copilot", None),
        (
            "Co-Authored-By: Gemini 3 (gemini-3-pro-preview) "
            "<218195315+gemini-cli@users.noreply.github.com>",
            "gemini-cli",
            "gemini-3-pro-preview",
        ),
        ("Co-authored-by: Gemini CLI <gemini-cli@example.org>", "gemini-cli", None),
        ("Co-authored-by: Amp <amp@ampcode.com>", "amp", None),
        ("Amp-Thread-ID: https://ampcode.com/threads/T-019d53e2", "amp", None),
        (
            "Co-authored-by: Devin AI "
            "<158243242+devin-ai-integration[bot]@users.noreply.github.com>",
            "devin",
            None,
        ),
        (
            "Co-authored-by: google-labs-jules[bot] "
            "<161369871+google-labs-jules[bot]@users.noreply.github.com>",
            "jules",
            None,
        ),
        ("Replit-Commit-Author: Agent", "replit", None),
        ("Replit-Commit-Author: Assistant", "replit", None),
    ],
)
def test_trailer_conventions(line: str, agent: str, model: str | None) -> None:
    found = trailer(line)
    assert (found.agent, found.model, found.kind) == (agent, model, "agent")
    assert found.evidence == (f"trailer {line}",)


@pytest.mark.parametrize(
    ("author", "agent"),
    [
        (("Claude", "noreply@anthropic.com"), "claude-code"),
        (("claude[bot]", "209825114+claude[bot]@users.noreply.github.com"), "claude-code"),
        (("Codex", "codex@openai.com"), "codex"),
        (("Paul Gauthier (aider)", "paul@example.com"), "aider"),
        (("Cursor Agent", "cursoragent@cursor.com"), "cursor"),
        (("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"), "copilot"),
        (("Devin AI", "158243242+devin-ai-integration[bot]@users.noreply.github.com"), "devin"),
        (
            ("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com"),
            "jules",
        ),
        (
            (
                "chatgpt-codex-connector[bot]",
                "1+chatgpt-codex-connector[bot]@users.noreply.github.com",
            ),
            "codex",
        ),
    ],
)
def test_author_identities(author: tuple[str, str], agent: str) -> None:
    found = commit("Add a feature\n", author=author, committer=ALICE)
    assert found.agent == agent
    assert found.evidence == (f"author {author[0]} <{author[1]}>",)


def test_footers_and_subject() -> None:
    claude = commit("Fix it\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n")
    opencode = commit("Fix it\n\n🤖 Generated with opencode\n")
    aider = commit("aider: Add --check-update to make aider check for update\n")
    assert (claude.agent, opencode.agent, aider.agent) == ("claude-code", "opencode", "aider")


def test_model_comes_from_any_signal_of_the_chosen_agent() -> None:
    claude = ("Claude", "noreply@anthropic.com")
    found = commit("Fix\n\nCo-Authored-By: Claude Fable 5 <noreply@anthropic.com>\n", claude)
    assert (found.agent, found.model) == ("claude-code", "Claude Fable 5")
    assert found.evidence[0] == "author Claude <noreply@anthropic.com>"


# --- hard cases -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "author",
    [
        ("Claude Brisson", "claude.brisson@example.org"),
        ("Devin J. Pohly", "djpohly@example.com"),
        ("James Myatt", "james.myatt@capgemini.com"),
        ("Paul Gauthier", "aider@paulg.org"),
        ("Amp Ampersand", "amp@example.com"),
        ("Codey McCodexface", "codexface@example.com"),
    ],
)
def test_humans_whose_names_look_like_agents(author: tuple[str, str]) -> None:
    assert commit("Fix the build\n", author=author) == HUMAN


@pytest.mark.parametrize(
    "message",
    [
        "hide cursor while pipx is running\n",
        "Implement Cursor.put()\n\nCursor: the LMDB cursor class gains put().\n",
        "link directly to aider.chat from main README\n",
        "fix case-insensitive email lookup for GitHub Copilot\n\nThe Copilot agent email had a "
        "capital C.\n",
        "feat: support Cursor models\n\nExtract Cursor model names from Co-Authored-By trailers.\n",
        "Upgrade to run against OpenAI >= 1.0\n",
        "Merge pull request #27 from someone/opencode\n\nOpenCode - Initial Implementation\n",
        "Docs\n\nRun `claude` then see the notes generated with Claude Code below.\n",
        "Docs\n\nNote: This work was completed with AI assistance (Claude Code).\n",
        "Docs\n\nAssisted-by: Bob Builder <bob@example.com>\n",
        "Docs\n\nCo-authored-by: ychampion <ychampion@users.noreply.github.com>\n",
    ],
)
def test_prose_is_not_evidence(message: str) -> None:
    assert commit(message) == HUMAN


def test_trailer_token_case_does_not_matter() -> None:
    for token in ("Co-authored-by", "Co-Authored-By", "CO-AUTHORED-BY", "co-authored-by"):
        assert trailer(f"{token}: Claude <noreply@anthropic.com>").agent == "claude-code"


def test_trailer_outside_the_last_paragraph() -> None:
    message = (
        "Merge branch 'main' into feature\n\n"
        "Signed-off-by: Alice Example <alice@example.com>\n"
        "Co-authored-by: Claude <noreply@anthropic.com>\n\n"
        "# Conflicts:\n#\tdocs/index.md\n"
    )
    assert commit(message).agent == "claude-code"


def test_indented_or_prose_lines_are_not_trailers() -> None:
    message = (
        "Add the trailer hook\n\n"
        "Appends the correct\nCo-authored-by trailer (Claude, Codex, Amp) to every commit.\n"
        "    Co-authored-by: Codex <codex@openai.com>\n"
    )
    assert commit(message) == HUMAN


def test_squash_merge_keeps_agent_trailer() -> None:
    message = (
        "Fix venv lookup (#1722)\n\n* strip extras\n\n* review\n\n"
        "Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n"
        "Co-authored-by: Bernát Gábor <bgabor8@example.net>\n"
    )
    found = commit(message, committer=("GitHub", "noreply@github.com"))
    assert (found.agent, found.evidence) == (
        "copilot",
        ("trailer Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>",),
    )


def test_agent_plus_human_co_authors() -> None:
    message = (
        "Add feature\n\n"
        "Co-authored-by: Sam Example <sam@example.com>\n"
        "Co-authored-by: Cursor Agent <cursoragent@cursor.com>\n"
        "Co-authored-by: Sam Example <sam@example.com>\n"
    )
    assert commit(message).agent == "cursor"


def test_committer_only_agent() -> None:
    devin = ("Devin AI", "158243242+devin-ai-integration[bot]@users.noreply.github.com")
    assert commit("Serialize env var tests\n", committer=devin).agent == "devin"
    aider = ("Alice Example (aider)", "alice@example.com")
    assert commit("Fix logging\n", author=aider, committer=ALICE).agent == "aider"


def test_identity_beats_trailer_beats_footer_and_all_are_kept() -> None:
    message = (
        "Fix\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
        "Co-authored-by: Amp <amp@ampcode.com>\n"
    )
    footer_and_trailer = commit(message)
    assert footer_and_trailer.agent == "amp"
    assert len(footer_and_trailer.evidence) == 2
    by_cursor = commit(message, ("Cursor Agent", "cursoragent@cursor.com"), ALICE)
    assert by_cursor.agent == "cursor"
    assert len(by_cursor.evidence) == 3


# --- bots and other AI tools ------------------------------------------------------------------


@pytest.mark.parametrize(
    "author",
    [
        ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        ("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com"),
        ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
        ("github-actions", "github-actions@github.com"),
        ("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com"),
        ("snyk-bot", "snyk-bot@snyk.io"),
        ("Renovate Bot", "bot@renovateapp.com"),
        ("Automated", "actions@users.noreply.github.com"),
    ],
)
def test_automation_authors_are_bots(author: tuple[str, str]) -> None:
    found = commit("chore(deps): bump a thing\n", author=author)
    assert (found.agent, found.kind) == ("bot", "bot")


def test_an_agent_that_signs_a_bot_authored_commit_did_the_work() -> None:
    # A squash merged by an app (`sentry[bot]`) keeps the agent's trailer: the agent's work.
    author = ("sentry[bot]", "39604003+sentry[bot]@users.noreply.github.com")
    message = (
        "Handle issues without short IDs\n\nCo-authored-by: OpenAI Codex <noreply@openai.com>\n"
    )
    found = commit(message, author=author)
    assert (found.agent, found.kind) == ("codex", "agent")
    bot = commit("Update docs\n", author=author)
    assert (bot.agent, bot.evidence) == ("bot", (f"author {author[0]} <{author[1]}>",))


def test_bot_co_author_or_committer_leaves_a_human_commit_human() -> None:
    message = (
        "Fix --with\n\n"
        "Co-authored-by: pre-commit-ci[bot] "
        "<66853113+pre-commit-ci[bot]@users.noreply.github.com>\n"
    )
    assert commit(message, committer=("GitHub", "noreply@github.com")) == HUMAN
    bot = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
    assert commit("Fix\n", committer=bot) == HUMAN


@pytest.mark.parametrize(
    ("line", "tool"),
    [
        (
            "Co-authored-by: coderabbitai[bot] "
            "<136622811+coderabbitai[bot]@users.noreply.github.com>",
            "coderabbit",
        ),
        ("Co-authored-by: Grok <grok@x.ai>", "grok"),
        ("Co-Authored-By: termai <noreply@termai.io>", "termai"),
    ],
)
def test_other_ai_tools_are_named_but_never_ours_or_bot(line: str, tool: str) -> None:
    found = trailer(line)
    assert (found.agent, found.kind) == (tool, "agent")
    assert found.agent not in AGENT_IDS


def test_the_first_of_two_co_authors_is_the_primary_and_both_are_kept() -> None:
    message = (
        "Fix\n\nCo-authored-by: coderabbitai[bot] <1+coderabbitai[bot]@users.noreply.github.com>\n"
        "Co-authored-by: Claude <noreply@anthropic.com>\n"
    )
    found = commit(message)
    assert found.agent == "coderabbit"
    assert found.agents == (Named("coderabbit"), Named("claude-code"))


def test_kind() -> None:
    assert (HUMAN.kind, Attribution("bot", None, ()).kind) == ("human", "bot")
    assert Attribution("windsurf", None, ()).kind == "agent"


def test_no_evidence_is_none() -> None:
    assert from_commit(*ALICE, *ALICE, "Fix the build\n\nSigned-off-by: Alice <a@b.c>\n") is None
    assert from_commit("", "", "", "", "") is None


# --- environment markers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "agent"),
    [
        (["CLAUDECODE"], "claude-code"),
        (["CODEX_SANDBOX"], "codex"),
        (["CODEX_MANAGED_BY_NPM"], "codex"),
        (["GEMINI_CLI"], "gemini-cli"),
        (["OPENCODE"], "opencode"),
        (["CURSOR_AGENT"], "cursor"),
        (["AMP_CURRENT_THREAD_ID"], "amp"),
        (["AI_AGENT=windsurf"], "windsurf"),
        (["PATH", "HOME", "CLAUDECODE"], "claude-code"),
        (["CLAUDECODE", "AI_AGENT=cursor"], "cursor"),
        (["OPENCODE", "CLAUDECODE"], "claude-code"),
    ],
)
def test_from_environment(names: list[str], agent: str) -> None:
    found = from_environment(names)
    assert found is not None
    assert (found.agent, found.model) == (agent, None)
    assert all(item.startswith("environment ") for item in found.evidence)


@pytest.mark.parametrize(
    "names",
    [[], ["PATH", "HOME"], ["CODEX"], ["CLAUDE"], ["AI_AGENT=someone-else"], ["AI_AGENT="]],
)
def test_from_environment_without_markers(names: list[str]) -> None:
    assert from_environment(names) is None


def test_from_environment_keeps_every_marker_as_evidence() -> None:
    found = from_environment({"CODEX_HOME", "CLAUDECODE"})
    assert found is not None
    assert (found.agent, found.evidence) == (
        "claude-code",
        ("environment CLAUDECODE", "environment CODEX_HOME"),
    )


# --- the labeled real commits -----------------------------------------------------------------


def dev_rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]


def predict(row: dict[str, str]) -> Attribution:
    return commit(
        row["message"],
        (row["author_name"], row["author_email"]),
        (row["committer_name"], row["committer_email"]),
    )


def test_dev_agent_precision() -> None:
    predicted = [(row, predict(row)) for row in dev_rows()]
    as_agent = [(row, found) for row, found in predicted if found.agent in AGENT_IDS]
    correct = sum(found.agent == row["label_agent"] for row, found in as_agent)
    assert correct / len(as_agent) >= 0.99


def test_dev_agent_recall() -> None:
    findable = [
        row
        for row in dev_rows()
        if row["label_agent"] in AGENT_IDS and "prose-only" not in row["label_basis"]
    ]
    found = sum(predict(row).agent == row["label_agent"] for row in findable)
    assert found / len(findable) >= 0.95


def test_dev_no_human_or_bot_is_an_agent_and_no_agent_is_a_bot() -> None:
    for row in dev_rows():
        found = predict(row)
        if row["label_agent"] in ("human", "bot"):
            assert found.kind != "agent", row["sha"]
        else:
            assert found.agent != "bot", row["sha"]
        if row["label_agent"] == "bot":
            assert found.agent == "bot", row["sha"]


def test_dev_other_agents_are_not_named_as_ours() -> None:
    for row in dev_rows():
        if row["label_agent"] == "other-agent":
            assert predict(row).agent not in (*AGENT_IDS, "bot"), row["sha"]


def test_dev_models() -> None:
    stated = [row for row in dev_rows() if row["label_model"] is not None]
    exact = sum(predict(row).model == row["label_model"] for row in stated)
    assert len(stated) >= 15
    assert exact / len(stated) >= 0.95  # every stated model matched when last measured (19/19)
