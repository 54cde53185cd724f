"""Scores compared within repositories, their 90 % intervals, and the probability of being best.

Pure, fed by `stats` (see its docstring for the interface); deterministic: closed forms, and a
simulation with a fixed seed where no closed form exists.

The model
---------
Each scored commit i, made by row g in repository p, has the outcome score y_i (`stats`)::

    y_i ~ Normal(level_p + effect_g, variance_g)

`level_p` is how well commits of repository p fare for everyone (humans included), with no
prior: a churny repository lowers it, not the rows that work there. `effect_g` is how much
better or worse row g's commits fare than the commits of the same repositories, with the prior
Normal(0, variance_g / 5), worth five commits of no difference. Because every level is free, a
row's effect is learnt only from commits that share its repositories: a setup alone in its
repository keeps an effect near 0 with a wide interval, as it should (nothing tells its work
from its repository's). `variance_g` is the row's spread of scores around its repositories'
means, pooled with everyone's as if from ten more commits, and at least 0.005.

The posterior of the effects is normal, closed form: precision M = diag(w_g + 5/variance_g) − C
and mean M⁻¹b, where w_gp = n_gp / variance_g, W_p = Σ_g w_gp, C_gh = Σ_p w_gp w_hp / W_p and
b_g = Σ_p w_gp (mean_gp − Σ_h w_hp mean_hp / W_p). Every level could rise as every effect
falls, so the effects are then taken less their mean over all scored commits (and their
covariance likewise): against the average commit, each row's interval is about its own commits;
differences between rows do not change. Grouped by project or language, rows are compared
across repositories instead (one level for everything): that is what they describe.

A row's score, in points (100 × the outcome score's scale; 0 is the average commit of the same
repositories)::

    score = 100 × (effect + 0.25 × user grades + 0.05 × agent grades − 0.5 × bugs per commit)

Grades count `stats.GRADE_POINTS` (bad −1 … excellence +1), each summed over the row's graded
commits and divided by (graded + 5): five more neutral grades, so that a few grades cannot move a
row far. The user's grade weighs five times the agent's grade of its own work. Bugs per commit
are bugs / (commits + 5). The interval is score ± 1.645 standard deviations, the variance being
the effect's posterior variance plus the sampling variance of each term (a grade's spread,
pooled with 0.25 as if from five grades; bugs as Poisson counts). A row with no measured commit
keeps the prior's variance: ungraded, its score is 0 with an interval that says so.

The probability that a candidate is best: the share of 10,000 draws (seed 90) from the joint
normal of the candidates' scores (the effects' posterior covariance, the other terms apart) in
which it scores highest; with two candidates, the closed form Φ(difference / its deviation).
Candidates with no chance above 0.0001 against the leader are left out of the draws (they get 0).
The leading group is the fewest candidates, most probable first, whose probabilities add up to
0.9; the leader is separated when it alone is that group (probability ≥ 0.9). Otherwise, what
would separate it: the measured commits that would shrink every variance in the group enough for
the leader's gap to each member to reach the needed number of deviations, the gaps staying as
they are (variances shrink as 1 / (commits + 5)); none when that needs over 20 times the data.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Generic, TypeVar

from agent_git_tracker.report.stats import Judgement, Outcomes, Z

PRIOR_COMMITS = 5
VARIANCE_PRIOR_COMMITS = 10
VARIANCE_PRIOR = 0.04  # the spread of outcome scores assumed when nothing is measured yet
VARIANCE_FLOOR = 0.005
PRIOR_GRADED = 5
GRADE_VARIANCE_PRIOR = 0.25
WEIGHT_USER_GRADE = 0.25
WEIGHT_AGENT_GRADE = 0.05
WEIGHT_BUG = 0.5
PRIOR_BUG_COMMITS = 5
SCALE = 100.0
SEPARATION = 0.9
DRAWS = 10_000
SEED = 90
NEGLIGIBLE = 1e-4
MAX_GROWTH = 20.0

_NORMAL = NormalDist()


K = TypeVar("K", bound=Hashable)  # a row's key: whatever the caller groups rows by


@dataclass(frozen=True)
class Estimate:
    """A row's score in points, its 90 % interval, and the parts it adds up from."""

    score: float
    low: float
    high: float
    variance: float
    outcome: float  # the effect of its commits' outcomes, within repositories
    grades: float  # the user's and the agent's grades
    bugs: float  # the cost of its bugs (subtracted)
    scored: int  # commits with an outcome score


@dataclass(frozen=True)
class Fit(Generic[K]):
    """Every row's estimate, and the covariance of the outcome effects (in points²)."""

    estimates: Mapping[K, Estimate]
    index: Mapping[K, int]  # rows with scored commits, in `covariance` order
    covariance: tuple[tuple[float, ...], ...]

    def cov(self, a: K, b: K) -> float:
        """The covariance of two rows' scores (their grade and bug terms are independent)."""
        if a == b:
            return self.estimates[a].variance
        i, j = self.index.get(a), self.index.get(b)
        return 0.0 if i is None or j is None else self.covariance[i][j]


@dataclass(frozen=True)
class Choice(Generic[K]):
    """Which candidate leads, how likely each is the best, and whether the leader is separated."""

    leader: K | None
    probability: Mapping[K, float]
    separated: bool
    leading: tuple[K, ...]  # the fewest candidates that hold the best with p ≥ 0.9
    more_commits: int | None  # further measured commits that would separate the leader


class _Group:
    __slots__ = ("cells", "n", "squares", "variance")

    def __init__(self) -> None:
        self.cells: list[tuple[str, int, float]] = []  # (repository, scored, mean)
        self.n = 0
        self.squares = 0.0  # the sum of squares around each cell's mean
        self.variance = VARIANCE_PRIOR


def fit(
    cells: Mapping[tuple[K, str], Outcomes],
    judgements: Mapping[K, Judgement],
    *,
    within_repositories: bool = True,
) -> Fit[K]:
    """Every row's score and interval from its outcomes per repository and its judgement."""
    groups: dict[K, _Group] = {key: _Group() for key in judgements}
    for (key, repository), o in cells.items():
        group = groups.setdefault(key, _Group())
        if o.scored:
            mean = o.score_sum / o.scored
            group.cells.append((repository if within_repositories else "", o.scored, mean))
            group.n += o.scored
            group.squares += max(0.0, o.score_squares - o.scored * mean * mean)
    _variances(groups)
    scored = [key for key, group in groups.items() if group.n]
    effects, covariance = _centred(*_posterior([groups[key] for key in scored]), groups, scored)
    index = {key: i for i, key in enumerate(scored)}
    estimates = {
        key: _estimate(
            group,
            effects[index[key]] if key in index else 0.0,
            covariance[index[key]][index[key]] if key in index else _prior_variance(group),
            judgements.get(key, Judgement()),
        )
        for key, group in groups.items()
    }
    return Fit(estimates, index, tuple(tuple(SCALE * SCALE * c for c in r) for r in covariance))


def _variances(groups: Mapping[K, _Group]) -> None:
    """Each row's spread of scores, pooled with everyone's (and never below the floor)."""
    squares = sum(g.squares for g in groups.values())
    df = sum(g.n - len(g.cells) for g in groups.values())
    pooled = max(VARIANCE_FLOOR, squares / df) if df > 0 else VARIANCE_PRIOR
    for group in groups.values():
        own = group.n - len(group.cells)
        spread = (group.squares + VARIANCE_PRIOR_COMMITS * pooled) / (own + VARIANCE_PRIOR_COMMITS)
        group.variance = max(VARIANCE_FLOOR, spread)


def _prior_variance(group: _Group) -> float:
    return group.variance / PRIOR_COMMITS


def _posterior(groups: Sequence[_Group]) -> tuple[list[float], list[list[float]]]:
    """The effects' posterior mean and covariance (closed form, see the module docstring)."""
    size = len(groups)
    if not size:
        return [], []
    precision = [[0.0] * size for _ in range(size)]
    rhs = [0.0] * size
    members: dict[str, list[tuple[int, float, float]]] = {}
    for g, group in enumerate(groups):
        precision[g][g] = PRIOR_COMMITS / group.variance
        for repository, n, mean in group.cells:
            weight = n / group.variance
            precision[g][g] += weight
            members.setdefault(repository, []).append((g, weight, mean))
    for here in members.values():
        total = sum(w for _, w, _ in here)
        level = sum(w * mean for _, w, mean in here) / total
        for g, w_g, mean in here:
            rhs[g] += w_g * (mean - level)
            for h, w_h, _ in here:
                precision[g][h] -= w_g * w_h / total
    covariance = _inverse(precision)
    effects = [sum(c * r for c, r in zip(row, rhs, strict=True)) for row in covariance]
    return effects, covariance


def _centred(
    effects: list[float], covariance: list[list[float]], groups: Mapping[K, _Group], keys: list[K]
) -> tuple[list[float], list[list[float]]]:
    """The effects less their mean over all scored commits, and their covariance.

    Every level can rise as every effect falls: only the prior holds that common shift, so each
    effect alone is far less certain than any difference between two. Against the average
    commit, a row's interval is about its own commits; differences are unchanged."""
    total = sum(groups[key].n for key in keys)
    weights = [groups[key].n / total for key in keys] if total else []
    mean = sum(w * e for w, e in zip(weights, effects, strict=True))
    towards = [sum(c * w for c, w in zip(row, weights, strict=True)) for row in covariance]
    common = sum(w * t for w, t in zip(weights, towards, strict=True))
    size = range(len(effects))
    return [e - mean for e in effects], [
        [covariance[i][j] - towards[i] - towards[j] + common for j in size] for i in size
    ]


def _inverse(matrix: Sequence[Sequence[float]]) -> list[list[float]]:
    """The inverse of a symmetric positive definite matrix, through its Cholesky factor."""
    size = len(matrix)
    lower = cholesky(matrix)
    inv_lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        inv_lower[i][i] = 1.0 / lower[i][i]
        for j in range(i):
            total = sum(lower[i][k] * inv_lower[k][j] for k in range(j, i))
            inv_lower[i][j] = -total / lower[i][i]
    return [
        [
            sum(inv_lower[k][i] * inv_lower[k][j] for k in range(max(i, j), size))
            for j in range(size)
        ]
        for i in range(size)
    ]


def cholesky(matrix: Sequence[Sequence[float]]) -> list[list[float]]:
    """The lower triangular L with L Lᵀ = matrix (symmetric, positive semi-definite): a
    direction of no variance, as effects measured against their own mean have, gets zeros."""
    size = len(matrix)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            total = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                lower[i][i] = math.sqrt(total) if total > 1e-12 * abs(matrix[i][i]) else 0.0
            else:
                lower[i][j] = total / lower[j][j] if lower[j][j] else 0.0
    return lower


def _estimate(group: _Group, effect: float, variance: float, judged: Judgement) -> Estimate:
    user, user_var = _grade_term(judged.user_sum, judged.user_squares, judged.graded)
    agent, agent_var = _grade_term(judged.agent_sum, judged.agent_squares, judged.agent_graded)
    exposure = judged.commits + PRIOR_BUG_COMMITS
    bugs = judged.bugs / exposure
    bugs_var = judged.bugs / (exposure * exposure)
    grades = WEIGHT_USER_GRADE * user + WEIGHT_AGENT_GRADE * agent
    total_var = (
        variance
        + WEIGHT_USER_GRADE**2 * user_var
        + WEIGHT_AGENT_GRADE**2 * agent_var
        + WEIGHT_BUG**2 * bugs_var
    )
    score = SCALE * (effect + grades - WEIGHT_BUG * bugs)
    spread = SCALE * Z * math.sqrt(total_var)
    return Estimate(
        score=score,
        low=score - spread,
        high=score + spread,
        variance=SCALE * SCALE * total_var,
        outcome=SCALE * effect,
        grades=SCALE * grades,
        bugs=SCALE * WEIGHT_BUG * bugs,
        scored=group.n,
    )


def _grade_term(total: float, squares: float, graded: int) -> tuple[float, float]:
    """The grades' shrunken mean and its variance (five neutral grades more)."""
    if not graded:
        return 0.0, 0.0
    mean = total / graded
    spread = max(0.0, squares - graded * mean * mean)
    variance = (spread + PRIOR_GRADED * GRADE_VARIANCE_PRIOR) / (graded + PRIOR_GRADED)
    shrunk = graded + PRIOR_GRADED
    return total / shrunk, graded * variance / (shrunk * shrunk)


def choose(result: Fit[K], candidates: Sequence[K]) -> Choice[K]:
    """How likely each candidate (in rank order, the leader first) is the best, and whether
    the leader is separated from the rest."""
    if not candidates:
        return Choice(None, {}, False, (), None)
    leader = candidates[0]
    chance = {key: _beats(result, key, leader) for key in candidates[1:]}
    contenders = [leader, *(key for key in candidates[1:] if chance[key] >= NEGLIGIBLE)]
    probability = dict.fromkeys(candidates, 0.0)
    if len(contenders) == 1:
        probability[leader] = max(0.0, 1.0 - sum(chance.values()))
    elif len(contenders) == 2:
        probability[contenders[1]] = chance[contenders[1]]
        probability[leader] = 1.0 - chance[contenders[1]]
    else:
        probability.update(_simulate(result, contenders))
    leading = _leading(probability, leader)
    separated = probability[leader] >= SEPARATION
    more = None if separated else _more_commits(result, leading)
    return Choice(leader, probability, separated, leading, more)


def _difference(result: Fit[K], a: K, b: K) -> tuple[float, float]:
    """The score of `a` minus that of `b`, and the deviation of that difference."""
    gap = result.estimates[a].score - result.estimates[b].score
    variance = result.cov(a, a) + result.cov(b, b) - 2 * result.cov(a, b)
    return gap, math.sqrt(max(variance, 1e-12))


def _beats(result: Fit[K], key: K, leader: K) -> float:
    gap, deviation = _difference(result, key, leader)
    return _NORMAL.cdf(gap / deviation)


def _simulate(result: Fit[K], keys: Sequence[K]) -> dict[K, float]:
    """How often each row scores highest in draws from the joint normal (fixed seed)."""
    lower = cholesky([[result.cov(a, b) for b in keys] for a in keys])
    gauss = random.Random(SEED).gauss  # noqa: S311 (a fixed seed for the same numbers, not secrets)
    normals = [[gauss(0.0, 1.0) for _ in range(DRAWS)] for _ in keys]
    draws = []
    for i, key in enumerate(keys):
        draw = [result.estimates[key].score] * DRAWS
        for factor, column in zip(lower[i][: i + 1], normals, strict=False):
            draw = [x + factor * z for x, z in zip(draw, column, strict=True)]
        draws.append(draw)
    wins = [0] * len(keys)
    for values in zip(*draws, strict=True):
        wins[values.index(max(values))] += 1
    return {key: won / DRAWS for key, won in zip(keys, wins, strict=True)}


def _leading(probability: Mapping[K, float], leader: K) -> tuple[K, ...]:
    """The fewest candidates, most probable first, whose chances of being best add up to 0.9;
    the leader always among them, first."""
    group: list[K] = [leader]
    held = probability[leader]
    ordered = sorted(probability, key=lambda key: -probability[key])
    for key in ordered:
        if held >= SEPARATION:
            break
        if key != leader and probability[key] > 0:
            group.append(key)
            held += probability[key]
    return tuple(group)


def _more_commits(result: Fit[K], leading: Sequence[K]) -> int | None:
    """Further measured commits of the leading group that would separate its leader, the gaps
    staying as they are; None when the rows are too alike for that to be within reach."""
    if len(leading) < 2:
        return None
    leader, others = leading[0], leading[1:]
    needed = _NORMAL.inv_cdf(1 - (1 - SEPARATION) / len(others))
    growth = 1.0
    for key in others:
        gap, deviation = _difference(result, leader, key)
        if gap <= 0:
            return None
        growth = max(growth, (needed * deviation / gap) ** 2)
    if growth > MAX_GROWTH:
        return None
    exposure = [result.estimates[key].scored + PRIOR_COMMITS for key in leading]
    return max(1, sum(math.ceil((growth - 1) * n) for n in exposure))
