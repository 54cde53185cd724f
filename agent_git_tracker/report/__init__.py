"""The report: which agent setup to use next, computed over the whole central database.

Modules: `model` (the records out), `reading` and `tally` (one pass over the database, into
plain facts summed per cell, from the database or from a source that reads its commits
itself, as a team report's DuckDB does), `stats` and `score` (the maths, pure: fed by plain
per-commit facts, so that a team report computes the same numbers from its members' exports;
`facts` does it in one call), `rows` (grouping and ranking), `recommend`, `build` (the whole
report), `render`, `table` and `html` (JSON and CSV, the terminal table, HTML), `run` (the
command's use case). May import: ledger, store, `gitmeta`, capture (its durable file write),
config, models, errors, text.

Rows
    One row per setup (agent + canonical model + setup label); `by` regroups them per agent,
    model, project or the project's main language. Human commits always form one baseline row,
    shown with its score but not ranked. Bot commits are only counted in the totals. Commits
    attributed from their subject alone (`confidence: medium`) form rows of their own, marked
    "(subject only)", shown but not ranked unless the options include them (`include_medium`).

What a row is judged on
    Outcomes first, needing no effort from the user: for each commit 30 days old or more (and
    not bulk), an outcome score in [0, 1] = 0.5 × the share of its added lines still its own
    after 30 days (else 14) + 0.25 × not reverted + 0.25 × not fixed within 30 days. Younger
    commits are pending, never counted. Then, when there are any, the user's grades (weight
    0.25), the agent's grades of its own work (0.05) and bugs (0.5 per bug per commit).

Compared within repositories
    A churny repository lowers every commit's outcome there, humans' included. So each
    repository gets a level of its own (how commits fare there, for everyone), and a row's
    outcome effect is how much better or worse its commits fare than the other commits of the
    same repositories, learnt only where it shares a repository with others (the human
    baseline, other setups): a setup alone in its repository keeps an effect near 0, with a wide
    interval. Effects are shrunk toward 0 as if each row had five more commits of no difference,
    and measured against the average commit. Rows by project or language describe
    repositories, so they are compared across them. The model, its closed form and every
    constant: `score`.

The score, in points (0: the average commit of the same repositories; higher is better)::

    score = 100 × (outcome effect + 0.25 × user grades + 0.05 × agent grades − 0.5 × bugs)

    user (agent) grades = the sum of the grades' points (bad −1, neutral 0, good +0.5,
    excellence +1) over (graded commits + 5); bugs = bugs / (commits + 5).
    Example, with no outcome measured yet: 40 commits, 20 graded by the user 10 excellent and
    10 good and by the agent neutral, 2 bugs: 100 × (0.25 × 15 / 25 − 0.5 × 2 / 45) = 12.8.

Certainty
    Every score has a 90 % interval (normal, from the effects' posterior variance and each
    term's own). The recommendation gives the probability that its setup is the best of the
    candidates (rows with enough evidence whose agent is not halted): closed form for two, else
    the share of 10,000 draws with a fixed seed, so the same database gives the same numbers.
    It calls the setup separated only when that is at least 0.9; otherwise it names the leading
    group (the fewest candidates holding the best with probability 0.9), says the data cannot
    yet separate them, and how many more measured commits would (or that grades would).

Evidence
    A row has enough evidence with at least 10 commits of which at least 10 measured or 5
    graded. Rows with less are marked `little` and ranked after every row with enough
    evidence, and never recommended. The recommendation says "not enough data" when no row
    has enough.

Attribution
    A grade (one retrospective per graded commit) and a bug count in their commit's row. A grade
    or bug whose commit is not one of the agent's recorded commits (a commit never recorded, or
    graded with `--agent` on a human commit) goes to the setup the agent used last in that
    project, else anywhere. Tool uses and commands come from `usage:` records, per agent, day
    and model|setup: they cannot be split per project, so rows by project or language, and any
    report filtered by project, show none.

Reading
    One small digest per commit (`digest.py`: kind, agent, canonical model, setup, UTC time,
    lines and files changed, grade, outcome measures, confidence), written by the ledger and the
    measuring beside each commit record; retrospectives are read only for grades no digest
    carries. When some commit has no digest, the commit records are read instead.

Filters
    `project` names a project path or part of one; `agent` keeps that agent's rows and the human
    baseline; `since` and `until` take an ISO 8601 date or time (a date counts from the start of
    its day for `since`, to its end for `until`) and choose commits by their commit time, in
    UTC, with their grades and bugs; `min_commits` leaves out smaller rows. Repositories' levels
    come from the commits the filters keep (with `agent`, that agent's and the humans'), and
    from those of rows `min_commits` hides. `include_medium` ranks the rows attributed from
    subjects alone. The timeline puts a grade in the week (Monday, UTC) of its commit.
"""
