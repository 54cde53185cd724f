"""A repository's file names and contents are data: unusual ones are measured like any other."""

from __future__ import annotations

from pathlib import Path

from agent_git_tracker.history import gitrun
from agent_git_tracker.history.gitlog import parse

from histories import History, lines

NAMES: list[str | bytes] = [
    "with space.py",
    "new\nline.py",
    'quote"d.py',
    "back\\slash.py",
    "tab\tname.py",
    b"latin1-\xe9.py",  # not UTF-8
    "ünïcode/ß.py",
    "-dash.py",
    "x b/y.py",  # holds git's " b/" separator
    "diff --git a b.py",
    '"quoted".py',
]
TRICKY = (
    "diff --git a/x b/x\n"
    "@@ -1 +1 @@\n"
    "\\ No newline at end of file\n"
    "+++ b/x\n"
    "rename from x\n"
    "Binary files a/x and b/x differ\n"
)


def test_hostile_names_and_contents_are_measured_exactly(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(0, "Add files", {name: TRICKY + lines("line", 4) for name in NAMES})
    changed = {name: TRICKY + lines("line", 4).replace("line 0", "changed") for name in NAMES}
    renamed = {name: None for name in NAMES[:4]}
    renamed.update({f"moved {n}\n\\.py": changed.pop(name) for n, name in enumerate(NAMES[:4])})
    second = history.commit(1, "Change and move", {**changed, **renamed})

    outcomes = history.measure(now=40)

    assert (outcomes[first].files, outcomes[first].added) == (len(NAMES), 10 * len(NAMES))
    assert outcomes[first].survival_30d == 0.9
    assert (outcomes[second].added, outcomes[second].deleted) == (len(NAMES), len(NAMES))
    assert outcomes[second].survival_30d == 1.0


def test_the_log_reports_each_path_byte_for_byte(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    history.commit(0, "Add files", {name: f"{n}\n" for n, name in enumerate(NAMES)})
    history.commit(1, "Move one", {NAMES[1]: None, NAMES[5]: None, b"moved\xff\n.py": "1\n"})
    tip = gitrun.tip(history.path, None)

    with gitrun.Log(history.path, tip, None) as log:
        commits = list(parse(log.stdout, lambda path: True))
        log.check()

    expected = {name if isinstance(name, bytes) else name.encode() for name in NAMES}
    assert {change.new for change in commits[0].files} == expected
    moves = {(change.old, change.new) for change in commits[1].files}
    assert moves == {(b"new\nline.py", b"moved\xff\n.py"), (b"latin1-\xe9.py", None)}
