"""A repository's existing history: `scan` and the outcome measures of commits.

May import: costs (the agents' logs, read at `scan`), ledger, store, capture, attribution,
config, `gitmeta`, models, errors.

Outcome measures: what happened to each commit's work on its branch afterwards, read from git
alone, storage-free. Modules: `outcomes` (the interface), `tracker` (the state of a pass),
`lines` (line origins as runs), `sides` (merges), `markers` (reverts, fixes, fingerprints),
`paths` (the files left out), `gitlog` (the parser), `gitrun` (running git).

Interface::

    measure(repo: Path, branch: str | None = None, *, now: float,
            start_after: str | None = None, deadline: float | None = None,
            ignore_revs: Collection[str] = (), renamed: Mapping[str, str] | None = None,
            ) -> Iterator[Outcome]
    first_parent_before(repo: Path, branch: str | None, time: float) -> str | None

    Outcome(commit, time, files, added, deleted, bulk, ignored, survival_14d, survival_30d,
            reverted_30d, fixed_30d, reverted_by, fixed_by), and `.final`

`measure` runs one `git log --topo-order --reverse -p -U0 -M --diff-merges=first-parent` of
the branch (by default the remote's default branch, `origin/HEAD`, else HEAD), read through a
pipe, plus a few one-line git calls; it never runs git per commit, never `git blame`. It yields
every non-merge commit after `start_after`: each as soon as its 30-day window closes, the rest
at the end (oldest first). None means not known yet. `now` and `time` are epoch seconds;
`deadline` is a `time.monotonic()` instant, checked between commits: past it, git is stopped and
the commits not yet yielded come out with only their final values. `renamed` maps hashes from
before a rewrite (amend, rebase) to the new ones.

Incremental passes: lines older than `start_after` have an unknown origin, so a pass that starts
just before a commit measures it exactly as a full pass would. A flush passes
`start_after=first_parent_before(repo, branch, oldest)`, `oldest` being the time of the oldest
commit it still needs (not `.final`), and a deadline; what is not final waits for the next pass.

The rules:

- Commits measured: every non-merge commit along the first-parent line, and every commit a
  first-parent merge brings from a side branch (its lines keep their author, see `sides`).
  `time` is the committer time: when the commit landed, for a rebased one.
- Counted lines: text files not left out (`paths`: lockfiles, generated and minified code,
  vendored folders, binary files, links and submodules). `files`, `added`, `deleted` count
  those. `bulk`: more than 2,000 counted lines changed or more than 50 counted files: measured
  and shown, never scored.
- A line's origin: the commit that added it. A rename moves the lines; a copy's lines have no
  origin. A commit listed in `.git-blame-ignore-revs` (the file at the branch tip), in the files
  of `blame.ignoreRevsFile`, or in `ignore_revs` is `ignored`: its changed lines keep the
  origins of the lines they replace, in order (its extra lines have none), and it has no
  survival. A shallow clone's boundary commits add lines of no origin and are not measured.
- The windows: 14 and 30 days after the commit's time. A window closes just before the first
  first-parent commit dated after its end, or, when there is none and `now` is past it, in the
  final state. Until `now` is past its end, a window's measure is pending (None): a young commit
  is never counted as having survived. A side commit's windows also run from its own time,
  but are read no earlier than just after the merge that brings it.
- `survival_14d`, `survival_30d`: the share of the commit's added lines whose origin is still the
  commit when the window closes. None when the commit added no counted lines, or is ignored.
- `reverted_30d`: a commit before the 30-day window closes says `This reverts commit <hash>`
  (full or abbreviated among the commits of the pass, or a hash `renamed` maps to one), or is the
  exact inverse of it (the same files, the lines it added removed, the lines it removed added
  back, line numbers aside). Reverting a merge reverts the commits it brought.
- `fixed_30d`: a commit marked a fix (`markers`) deletes or changes at least one line whose
  origin is the commit, before the window closes. A revert is never a fix. A fix that reaches
  the branch through a merge counts when its own diff removed that line text.
- Side branches' events (their reverts, fixes) happen when their merge lands.
"""
