"""The words records share, given to deflate as its preset dictionary (schema 4).

A record of a few hundred bytes says most of its words only once, so deflate alone saves little
on it; most of those words are the package's own (the field names of a grade, of outcome
measures and of usage, the evidence the hooks write, agent ids and model names, the ledger's
times), the same in every record. Deflate against this text finds them here instead.

Never change these bytes: every record deflated against them needs them, exactly, to be read
again. A better dictionary is a new one, with a stored form (first byte) of its own.
"""

from __future__ import annotations

# Deflate reaches nearer text with shorter codes: the commonest words come last.
_WORDS = (
    b'"session_id":"',
    b'"joined_by":"session","model":"',
    b'"model_canonical":"',
    b'"tokens":{"input":',
    b',"cached_input":',
    b',"cache_write":',
    b',"output":',
    b',"reasoning":',
    b'},"cost":',
    b'"rewritten_from":',
    b'"scanned":true',
    b'"disclosure Generated with [Claude Code](https://claude.com/claude-code)"',
    b'"trailer Co-Authored-By: Claude <noreply@anthropic.com>"',
    b'"trailer Co-authored-by: ',
    b'"task link https://',
    b'"session since ',
    b'"gemini-cli","gemini-2.5-pro"',
    b'"opencode"',
    b'"aider"',
    b'"cursor"',
    b'"copilot"',
    b'"codex","gpt-5-codex"',
    b'"gpt-5"',
    b'"claude-sonnet-4-5"',
    b'"claude-code","claude-opus-4-5"',
    b'["environment AGENT_TRACKER_AGENT"]',
    b'"master"',
    b'"main"',
    b'{"agent_grade":',
    b',"user_grade":',
    b',"score_before":null,"score_after":null,"timestamp":"',
    b',"score_before":60,"score_after":',
    b'{"survival_14d":null,"survival_30d":null,"reverted_30d":null,"fixed_30d":null,',
    b'{"survival_14d":',
    b',"survival_30d":',
    b',"reverted_30d":false,"fixed_30d":',
    b',"bulk":false,',
    b'"files":',
    b',"added":',
    b',"final":false}',
    b',"final":true}',
    b'.000+00:00"}',
    b"\x01[",
)
WORDS = b"".join(_WORDS)
