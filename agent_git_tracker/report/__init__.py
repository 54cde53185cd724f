"""The report: which agent setup to use next, computed over the whole central database.

Modules: `model` (the records out), `reading` and `tally` (one pass over the database),
`rows` (grouping, score, ranking), `recommend`, `build` (the whole report), `render` and
`html` (table, JSON, CSV, HTML), `run` (the command's use case). May import: ledger, store,
`gitmeta`, capture (its durable file write), config, models, errors, text.

Rows
    One row per setup (agent + model + setup label); `by` regroups them per agent, model,
    project or the project's main language. Human commits always form one baseline row, which
    is shown but not ranked (humans are not graded). Bot commits are only counted in the totals.

The score, in CS points per commit (higher is better)::

    score = (sum of CS changes + 5 × 2) / (graded commits + 5)  −  10 × bugs / commits

    The first term is the mean change of the communication score per graded commit, counted as
    if five more commits had been graded neutral by both sides (+2 each): a handful of grades
    cannot lift a row far from neutral. The second term charges 10 CS points, what the best
    grades of one commit earn (excellence from both sides), for each bug per commit.
    Example: 40 commits, 20 graded with a total CS change of +90, 2 bugs:
    (90 + 10) / 25 − 10 × 2 / 40 = 4.0 − 0.5 = 3.5.

Evidence
    A row has enough evidence with at least 10 commits of which at least 5 are graded. Rows
    with less are marked `little` and ranked after every row with enough evidence, so they are
    never silently ranked first. The recommendation only picks a row with enough evidence whose
    agent is not halted, and says "not enough data" when there is none.

Attribution
    A grade (one retrospective per graded commit) and a bug count in their commit's row. A grade
    or bug whose commit is not one of the agent's recorded commits (a commit never recorded, or
    graded with `--agent` on a human commit) goes to the setup the agent used last in that
    project, else anywhere. Tool uses and commands come from `usage:` records, per agent, day
    and model|setup: they cannot be split per project, so rows by project or language, and any
    report filtered by project, show none.

Reading
    One small digest per commit (`digest.py`: setup, UTC time, lines changed, grade), written by
    the ledger beside each commit record; retrospectives are read only for grades no digest
    carries. When some commit has no digest, the commit records are read instead.

Filters
    `project` names a project path or part of one; `agent` keeps that agent's rows and the human
    baseline; `since` and `until` take an ISO 8601 date or time (a date counts from the start of
    its day for `since`, to its end for `until`) and choose commits by their commit time, in
    UTC, with their grades and bugs; `min_commits` leaves out smaller rows. The timeline puts a
    grade in the week (Monday, UTC) it was given.
"""
