"""Survival at 14 and 30 days: exact shares on histories with known rewrites."""

from __future__ import annotations

from pathlib import Path

from histories import History, lines

TEN = lines("original", 10)


def rewrite(text: str, indexes: range | list[int], tag: str) -> str:
    out = text.splitlines(keepends=True)
    for index in indexes:
        out[index] = f"{tag} {index}\n"
    return "".join(out)


def test_lines_rewritten_after_5_days_survive_in_their_exact_share(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(0, "Add module", {"app.py": TEN})
    after_5 = rewrite(TEN, range(3), "rewritten")
    second = history.commit(5, "Rework start", {"app.py": after_5})
    third = history.commit(20, "Rework more", {"app.py": rewrite(after_5, [8, 9], "later")})

    outcomes = history.measure(now=60)

    assert outcomes[first].survival_14d == 0.7
    assert outcomes[first].survival_30d == 0.5
    assert (outcomes[first].added, outcomes[first].deleted, outcomes[first].files) == (10, 0, 1)
    assert outcomes[second].survival_14d == outcomes[second].survival_30d == 1.0
    assert (outcomes[second].added, outcomes[second].deleted) == (3, 3)
    assert outcomes[third].survival_30d == 1.0
    assert all(
        o.final and o.reverted_30d is False and o.fixed_30d is False for o in outcomes.values()
    )


def test_the_window_closes_before_the_first_commit_dated_after_it(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(0, "Add module", {"app.py": TEN})
    on_day_14 = rewrite(TEN, [0], "day 14")  # exactly 14 days on: still inside the window
    history.commit(14, "Touch", {"app.py": on_day_14})
    history.commit(14.5, "Touch again", {"app.py": rewrite(on_day_14, [1], "day 14.5")})

    outcome = history.measure(now=60)[first]

    assert outcome.survival_14d == 0.9
    assert outcome.survival_30d == 0.8


def test_young_commits_are_pending_and_never_counted_as_survived(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(0, "Add module", {"app.py": TEN})

    young = history.measure(now=10)[first]
    between = history.measure(now=20)[first]
    old = history.measure(now=31)[first]

    assert (young.survival_14d, young.survival_30d, young.reverted_30d, young.fixed_30d) == (
        None,
        None,
        None,
        None,
    )
    assert not young.final
    assert (between.survival_14d, between.survival_30d, between.reverted_30d) == (1.0, None, None)
    assert not between.final
    assert (old.survival_30d, old.reverted_30d, old.fixed_30d, old.final) == (
        1.0,
        False,
        False,
        True,
    )


def test_a_rename_moves_the_lines_with_the_file(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(0, "Add module", {"app.py": lines("code", 20)})
    history.commit(
        2, "Move it", {"app.py": None, "pkg/core.py": rewrite(lines("code", 20), [4], "x")}
    )
    history.commit(
        3, "Move it back", {"pkg/core.py": None, "main.py": rewrite(lines("code", 20), [4], "x")}
    )

    assert history.measure(now=40)[first].survival_30d == 0.95


def test_lockfiles_and_binary_files_are_left_out(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(
        0,
        "Add app with its dependencies",
        {
            "app.py": lines("code", 4),
            "package-lock.json": lines("lock", 100),
            "web/vendor/lib.js": lines("vendored", 50),
            "web/app.min.js": lines("minified", 5),
            "logo.png": b"\x89PNG\x00\x01\x02" * 10,
        },
    )
    second = history.commit(
        1,
        "Bump dependencies",
        {"package-lock.json": lines("lock2", 100), "logo.png": b"\x89PNG\x00\xff" * 10},
    )

    outcomes = history.measure(now=40)

    assert (outcomes[first].files, outcomes[first].added) == (1, 4)
    assert outcomes[first].survival_30d == 1.0
    assert (outcomes[second].files, outcomes[second].added, outcomes[second].survival_30d) == (
        0,
        0,
        None,
    )
    assert outcomes[second].final


def test_bulk_commits_are_counted_and_flagged(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    big = history.commit(0, "Import the old code", {"big.py": lines("line", 2001)})
    wide = history.commit(1, "Touch many files", {f"m/f{n}.py": "x\n" for n in range(51)})
    small = history.commit(2, "Small", {"small.py": lines("line", 2000)})

    outcomes = history.measure(now=40)

    assert (outcomes[big].bulk, outcomes[big].added, outcomes[big].survival_30d) == (
        True,
        2001,
        1.0,
    )
    assert (outcomes[wide].bulk, outcomes[wide].files) == (True, 51)
    assert not outcomes[small].bulk


def test_an_ignored_revision_keeps_the_origins_of_the_lines_it_replaces(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(0, "Add module", {"app.py": TEN})
    reformat = history.commit(1, "Reformat", {"app.py": TEN.replace("original", "Original")})
    history.commit(2, "Ignore the reformat", {".git-blame-ignore-revs": f"# black\n{reformat}\n"})

    outcomes = history.measure(now=40)

    assert outcomes[first].survival_30d == 1.0
    assert outcomes[reformat].ignored
    assert outcomes[reformat].survival_30d is None
    assert outcomes[reformat].final


def test_ignored_revisions_also_come_from_git_config_and_the_caller(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    first = history.commit(0, "Add module", {"app.py": TEN})
    reformat = history.commit(1, "Reformat", {"app.py": TEN.replace("original", "Original")})

    assert history.measure(now=40)[first].survival_30d == 0.0
    assert history.measure(now=40, ignore_revs=[reformat])[first].survival_30d == 1.0
    (tmp_path / "ignored.txt").write_text(reformat + "\n")
    history.git("config", "blame.ignoreRevsFile", str(tmp_path / "ignored.txt"))
    assert history.measure(now=40)[first].survival_30d == 1.0


def test_submodules_and_symbolic_links_are_left_out(tmp_path: Path) -> None:
    library = History(tmp_path / "library")
    library.commit(0, "Library", {"lib.py": "x\n"})
    history = History(tmp_path / "repo")
    history.git(
        "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library.path), "lib"
    )
    (history.path / "link.py").symlink_to("app.py")
    first = history.commit(0, "Add app", {"app.py": lines("code", 4)})

    outcome = history.measure(now=40)[first]

    assert (outcome.files, outcome.added) == (2, 7)  # app.py and .gitmodules
    assert outcome.survival_30d == 1.0
