"""Attrition: the yearly hazard of leaving, the vacancy a leaver leaves, and the headcount.

An HR export usually lists everybody employed now and the leavers since some
date. People who left before that date are missing, so the long-serving staff
only enter observation at that date: their tenure is *left-truncated*. Counting
each person's time at risk only from the later of their start and the date the
export covers, and ending it at their leaving or the export's end (people still
employed are *right-censored*), gives the constant-hazard estimate

    hazard = leavers ÷ person-years at risk,

with an exact Poisson interval. A Kaplan-Meier curve of tenure with the same
truncation (lifelines) is drawn beside the constant hazard's, and a Weibull fitted
with the same truncation and censoring tests whether the hazard changes with
tenure (likelihood ratio, p < 0.05 flagged).

**From when are leavers listed?** ``--people-since DATE`` says so. Without it, the
observation starts with the tickets; but when the file shows no leaver at all for
a stretch in which the hazard estimate expects leavers (the chance of none is
below 1%, :data:`GAP_CHANCE`), the file evidently lists leavers only from its first
one: the observation then starts there, and the report says so. (In a file that
does list every leaver, this happens by chance in 1% of exports.)

**Vacancies.** Each leaver is matched, team by team and first come first served,
with the next person who starts in the same team; the gap is the vacancy. A leaver
not yet replaced is censored at the export's end. The median of the Kaplan-Meier
curve of the gaps is the hiring delay (the model's is a fixed delay).

**Headcount.** People employed at the start of the observation, by team, set the
headcount of the model's staff groups whose names the teams carry
(``operations``, ``projects``, ``opex``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.calibration.fits import Estimate, Fit, poisson_rate_interval, skipped
from sim.calibration.patience import weibull_test
from sim.units import DAYS_PER_YEAR

TITLE = "Attrition, vacancies and headcount"
GROUPS = ("operations", "projects", "opex")
MIN_VACANCIES = 5
GAP_CHANCE = 0.01
"""Below this chance of no leaver before the first one listed, leavers are taken as listed
only from the first one."""


def at_risk(start: np.ndarray, leave: np.ndarray, since: float,
            end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's entry into and exit from observation, and whether they left in it.

    People who left before ``since`` are outside the observation (entry = exit).
    """
    entry = np.maximum(start, since)
    left = ~np.isnan(leave) & (leave <= end) & (leave >= since)
    exit_ = np.where(left, leave, end)
    exit_ = np.where(~np.isnan(leave) & (leave < since), entry, exit_)
    return entry, np.maximum(exit_, entry), left


def infer_since(start: np.ndarray, leave: np.ndarray, end: float) -> tuple[float, float]:
    """Where the listing of leavers seems to start, and the chance of the gap before it.

    Returns ``(0, 1)`` when the gap before the first leaver is unremarkable.
    """
    entry, exit_, left = at_risk(start, leave, 0.0, end)
    if not left.any():
        return 0.0, 1.0
    rate = left.sum() / np.sum(exit_ - entry)
    first = float(np.min(leave[left]))
    exposure = float(np.sum(np.clip(np.minimum(exit_, first) - entry, 0.0, None)))
    chance = math.exp(-rate * exposure)
    return (first, chance) if chance < GAP_CHANCE else (0.0, chance)


def vacancies(start: np.ndarray, leave: np.ndarray, team: np.ndarray, since: float,
              end: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaps from each leaver to the next start in the same team; False where not yet filled."""
    gaps, filled = [], []
    for name in pd.unique(team):
        mine = team == name
        leavers = np.sort(leave[mine & ~np.isnan(leave) & (leave >= since) & (leave <= end)])
        starts = np.sort(start[mine])
        used = 0
        for when in leavers:
            nxt = np.searchsorted(starts, when, side="left")
            nxt = max(nxt, used)
            if nxt < len(starts) and starts[nxt] <= end:
                gaps.append(starts[nxt] - when)
                filled.append(True)
                used = nxt + 1
            else:
                gaps.append(end - when)
                filled.append(False)
    return np.asarray(gaps, float), np.asarray(filled, bool)


def fit_attrition(people: pd.DataFrame, end: float, since: float | None = None,
                  multiplier: float = 1.0) -> Fit:
    """Fit attrition, vacancies and headcount to a people export in working days.

    Parameters
    ----------
    people
        ``start``, ``leave`` (NaN while employed) and ``team``.
    end
        The end of the export.
    since
        From when the file lists leavers (working days; None: infer, see above).
    multiplier
        The base scenario's mean factor of stress on the hazard: the scenario's
        rate (at zero stress) is the observed hazard divided by it.
    """
    start = people["start"].to_numpy(float)
    leave = people["leave"].to_numpy(float)
    team = people["team"].to_numpy(object)
    findings = []
    if since is None:
        since, chance = infer_since(start, leave, end)
        if since > 0:
            findings.append(f"No leaver is listed before working day {since:.0f}, although "
                            f"the hazard would have given at least one (chance of none "
                            f"{chance:.1%}): the file seems to list leavers only from then, so "
                            "the observation starts there (set --people-since to say when).")
    entry, exit_, left = at_risk(start, leave, since, end)
    observed = exit_ > entry
    exposure = float(np.sum(exit_ - entry)) / DAYS_PER_YEAR
    events = int(left.sum())
    n = int((observed | left).sum())
    if exposure <= 0 or n < 5:
        return skipped("attrition", TITLE, f"only {n} people observed")
    hazard = events / exposure
    low, high = poisson_rate_interval(events, exposure)
    estimates = [Estimate("yearly hazard of leaving", hazard, low, high, n, "per person-year",
                          None, "leavers ÷ person-years at risk (left-truncated, censored)",
                          "people")]
    sets: dict[str, float] = {}
    if events:
        estimates.append(Estimate(
            "hazard at zero stress", hazard / multiplier, low / multiplier, high / multiplier,
            n, "per person-year", "workforce.attrition.rate",
            f"hazard ÷ {multiplier:.3g} (the base's mean stress factor on leaving)", "people"))
        sets["workforce.attrition.rate"] = hazard / multiplier
    findings.insert(0, f"{events} leavers over {exposure:,.1f} person-years at risk "
                       f"({n} people): hazard {hazard:.3f} a year (95% CI {low:.3f} to "
                       f"{high:.3f}).")
    if multiplier != 1.0:
        findings.append(f"Stress raises the model's hazard by {multiplier - 1:.1%} on average "
                        "in the base scenario, so its rate at zero stress is the observed "
                        "hazard divided by that factor.")
    tenure_entry, tenure_exit = entry - start, exit_ - start
    if events >= 5:
        shape, p, _ = weibull_test(tenure_exit, left, tenure_entry)
        estimates.append(Estimate("Weibull shape of tenure (1 = constant hazard)", shape,
                                  math.nan, math.nan, n, "ratio", None,
                                  "maximum likelihood, left-truncated", "people"))
        verdict = ("is not constant: it " + ("rises" if shape > 1 else "falls") +
                   " with tenure" if p < 0.05 else "is consistent with a constant hazard")
        findings.append(f"The hazard {verdict} (Weibull shape {shape:.2f}, likelihood-ratio "
                        f"p = {p:.3g}); the model's hazard does not depend on tenure.")
    gaps, filled = vacancies(start, leave, team, since, end)
    if filled.sum() >= MIN_VACANCIES:
        from lifelines import KaplanMeierFitter
        from lifelines.utils import median_survival_times

        fitter = KaplanMeierFitter().fit(gaps, event_observed=filled)
        median = float(fitter.median_survival_time_)
        band = median_survival_times(fitter.confidence_interval_).to_numpy().ravel()
        estimates.append(Estimate("median vacancy", median, float(band[0]), float(band[1]),
                                  len(gaps), "working days",
                                  "workforce.attrition.hiring_delay",
                                  "Kaplan-Meier median of leaver-to-next-start gaps",
                                  "leavers"))
        if math.isfinite(median):
            sets["workforce.attrition.hiring_delay"] = median
        findings.append(f"{int(filled.sum())} of {len(gaps)} leavers were followed by a start "
                        f"in their team; median vacancy {median:.0f} working days (95% CI "
                        f"{band[0]:.0f} to {band[1]:.0f}), matched first come first served.")
    elif len(gaps):
        findings.append(f"Only {int(filled.sum())} leavers were followed by a start in their "
                        f"team (at least {MIN_VACANCIES} are needed): the hiring delay keeps "
                        "the base's value.")
    present = (start <= since) & (np.isnan(leave) | (leave > since))
    counts = pd.Series(team[present]).value_counts()
    named = {g: int(counts.get(g, 0)) for g in GROUPS if g in counts.index}
    if named:
        for group, count in named.items():
            sets[f"workforce.{group}.headcount"] = count
            estimates.append(Estimate(f"headcount of {group}", count, math.nan, math.nan,
                                      count, "people", f"workforce.{group}.headcount",
                                      "people employed at the start (a count)", "people"))
        others = {str(k): int(v) for k, v in counts.items() if k not in GROUPS}
        if others:
            shown = ", ".join(f"{k or '(no team)'} {v}" for k, v in others.items())
            findings.append(f"Employed at the start in teams that are not staff groups of "
                            f"the model: {shown} (not set; PMO staff follow the PMO type).")
    else:
        findings.append("No team is named operations, projects or opex: the headcounts keep "
                        "the base's values.")
    figure = {"tenure_exit": tenure_exit[observed | left], "tenure_entry":
              tenure_entry[observed | left], "event": left[observed | left],
              "hazard": hazard, "gaps": gaps, "filled": filled}
    return Fit("attrition", TITLE, estimates, findings, figure, sets)

