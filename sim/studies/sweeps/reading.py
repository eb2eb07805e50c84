"""Plain-language readings of a sweep: findings first, the caveats once.

:func:`findings` gives one paragraph per KPI: first the thresholds stated by
:mod:`sim.studies.sweeps.thresholds` ("half of the runs collapse when demand
reaches about 323 items/day, 95% CI 318 to 327, where ..."), then what matters
most by the design's sensitivity method (:func:`reading`). A KPI that does not
vary gets one line. :func:`caveats` lists, once each, what limits the reading:
collapsed runs, values that are undefined (with why), noise and small designs.

Factors are named by their plain labels (:mod:`sim.schema.labels`), KPIs by their
label and unit from :mod:`sim.kpis`, and every number is written without
e-notation. The thresholds of the sensitivity readings are those of
:mod:`sim.studies.sweeps.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.kpis import describe
from sim.schema.labels import FactorLabel, factor_label, format_value, singular
from sim.studies.sweeps.design import is_missing
from sim.studies.sweeps.outcomes import kpi_bounds, undefined_reason
from sim.studies.sweeps.sensitivity import (
    INTERACTIONS,
    NEGLIGIBLE,
    SIGMA_LARGE,
    SIGMA_SMALL,
    Sensitivity,
    cell_text,
    join_names,
    number_text,
)
from sim.studies.sweeps.thresholds import MIN_LEVELS, Threshold
from sim.units import plain_number


def kpi_title(kpi: str) -> str:
    """Return a KPI's label with its unit, e.g. ``Mean wait before service (days)``.

    Parameters
    ----------
    kpi
        A KPI name.

    Returns
    -------
    str
        The label from :func:`sim.kpis.describe` and the unit when known; the
        name itself for a KPI without metadata.
    """
    meta = describe(kpi)
    return f"{meta.label} ({meta.unit})" if meta.unit else meta.label


def in_unit(unit: str) -> str:
    """`` (unit)`` for a label, or nothing when there is no unit."""
    return f" ({unit})" if unit else ""


def amount(value: float, kpi: str) -> str:
    """A value of ``kpi`` in plain words: ``96%`` for a share, ``7.3 days``, ``12 items``."""
    unit = describe(kpi).unit
    if unit in ("share", "0/1"):
        return f"{plain_number(100.0 * value)}%"
    text = number_text(value, 3)
    if value == 1:
        unit = singular(unit)
    return f"{text} {unit}" if unit else text


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _name(parameter: str) -> str:
    return factor_label(parameter).name


def _lower(parameter: str) -> str:
    return factor_label(parameter).lower


def _percent(share: float) -> str:
    return f"{100 * min(max(share, 0.0), 1.0):.0f}%"


def _verb(names: Sequence[str], singular: str, plural: str) -> str:
    return singular if len(names) == 1 else plural


def _more(count: int, what: str) -> str:
    subject = "factor has" if count == 1 else "factors have"
    return f"{count} more {subject} {what} (see the table)."


# --- findings -------------------------------------------------------------------------------


def findings(sens: Sensitivity, found: Sequence[Threshold], constant: Mapping[str, float],
             undefined_everywhere: Sequence[str] = (), choices: pd.DataFrame | None = None,
             top: int = 3) -> list[str]:
    """Say for each KPI what the sweep found, most important first.

    Parameters
    ----------
    sens
        The sensitivity of the sweep.
    found
        The threshold fits (:func:`~sim.studies.sweeps.thresholds.thresholds`).
    constant
        KPIs with the same value in every run, and that value.
    undefined_everywhere
        KPIs with no value in any run.
    choices
        Sampled designs: the mean of each KPI per value of each choice factor
        (:func:`choice_means`).
    top
        How many influential factors to describe one by one.

    Returns
    -------
    list of str
        One paragraph per KPI: its thresholds, then its sensitivity; a KPI that
        does not vary, or has no value anywhere, gets one line.
    """
    out = []
    for kpi in sens.kpis:
        head = kpi_title(kpi)
        if kpi in undefined_everywhere:
            out.append(f"{head}: no value in any run ({undefined_reason(kpi)}).")
            continue
        if kpi in constant:
            out.append(f"{head}: {amount(constant[kpi], kpi)} in every run; it does not vary "
                       "across the sweep, so it is not plotted.")
            continue
        of_kpi = [t for t in found if t.kpi == kpi]
        body = threshold_sentences(kpi, of_kpi)
        if of_kpi and not body:
            factors = list(dict.fromkeys(t.factor for t in of_kpi))
            body = [f"No threshold along {join_names([_lower(f) for f in factors])} by the "
                    "criterion (thresholds.csv says why for each)."]
        body += sensitivity_sentences(sens, kpi, top)
        if choices is not None and len(choices):
            body += _choice_sentences(choices[choices["kpi"] == kpi], kpi)
        out.append(f"{head}: {' '.join(_capital(b) for b in body)}")
    return out


def threshold_sentences(kpi: str, found: Sequence[Threshold]) -> list[str]:
    """One sentence per factor along which ``kpi`` has a stated threshold.

    The sentence gives each stated threshold with its interval and the values of
    the other factors where it holds, e.g. "Along demand, half of the runs
    collapse at about 323 items/day (95% CI 318–327) where the headcount is 110
    people", then why the other slices have none.
    """
    out = []
    for factor in dict.fromkeys(t.factor for t in found):
        fits = [t for t in found if t.factor == factor]
        stated = [t for t in fits if t.stated]
        if not stated:
            continue
        label = factor_label(factor)
        text = f"Along {label.lower}: " + "; ".join(_clause(t, label, kpi) for t in stated)
        others = [t for t in fits if not t.stated]
        if others:
            text += f". No threshold {_elsewhere(others)}"
        out.append(text + ".")
    return out


def _clause(t: Threshold, label: FactorLabel, kpi: str) -> str:
    """A threshold with its interval and its slice, in words."""
    where = _where(t.slice)
    at = f"about {format_value(label, t.at)} ({_interval_text(t, label)}){where}"
    if t.model == "logistic":
        return f"half of the runs collapse at {at}"
    if t.model == "hinge":
        unit, scale = describe(kpi).unit, 1.0
        if unit == "share":
            unit, scale = "percentage points", 100.0
        per = f" {unit} per {_one(label.unit)}" if unit and label.unit else ""
        return (f"its slope changes at {at}, from {number_text(scale * t.before, 3)} to "
                f"{number_text(scale * t.after, 3)}{per}")
    low, high = kpi_bounds(kpi)
    before, after = (min(max(v, low), high) for v in (t.before, t.after))
    return f"it moves from {amount(before, kpi)} to {amount(after, kpi)}, halfway at {at}"


def _one(unit: str) -> str:
    """One of a unit: ``person`` for people, ``item/day`` for items/day."""
    return singular(unit)


def _interval_text(t: Threshold, label: FactorLabel) -> str:
    """``95% CI 318–327 items/day``, or with ``at most`` / ``at least`` where it is open."""
    low, high = _bare(label, t.low), _bare(label, t.high)
    unit = "%" if label.unit == "share" else f" {label.unit}" if label.unit else ""
    if t.open_low or t.open_high:
        low = f"at most {low}" if t.open_low else low
        high = f"at least {high}" if t.open_high else high
        return f"95% CI {low} to {high}{unit}"
    return f"95% CI {low}–{high}{unit}"


def _bare(label: FactorLabel, value: float) -> str:
    """A factor's value without its unit (a share as a percentage number)."""
    return plain_number(100.0 * value) if label.unit == "share" else plain_number(value)


def _where(values: Mapping[str, object]) -> str:
    if not values:
        return ""
    parts = [f"{factor_label(k).lower} is {format_value(factor_label(k), v)}"
             for k, v in values.items()]
    return " where " + " and ".join(parts)


def _elsewhere(fits: Sequence[Threshold]) -> str:
    """Why the slices without a threshold have none, grouped by reason.

    Slices that differ in one factor only are listed by its values: "where demand is
    300, 310 or 320 items/day (no trend)".
    """
    reasons: dict[str, list[Threshold]] = {}
    for t in fits:
        reasons.setdefault(t.note or "no threshold", []).append(t)
    parts = []
    for reason, group in reasons.items():
        keys = list(group[0].slice)
        if len(keys) == 1:
            label = factor_label(keys[0])
            values = [format_value(label, t.slice[keys[0]]) for t in group]
            where = f"where {label.lower} is {_or(_bare_values(values))}"
        else:
            where = " or ".join(_where(t.slice).removeprefix(" where ") for t in group)
            where = f"where {where}" if where else ""
        parts.append(f"{where} ({reason})" if where else f"({reason})")
    return "; ".join(parts)


def _or(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) < 2 else f"{', '.join(items[:-1])} or {items[-1]}"


def _bare_values(values: Sequence[str]) -> list[str]:
    """``300 items/day, 310 items/day`` as ``300, 310 items/day``: the unit once, at the end."""
    units = {v.partition(" ")[2] for v in values}
    if len(units) == 1 and units != {""} and all(" " in v for v in values):
        return [v.partition(" ")[0] for v in values[:-1]] + [values[-1]]
    return list(values)


# --- sensitivity ---------------------------------------------------------------------------


def reading(sens: Sensitivity, top: int = 3) -> list[str]:
    """Say in plain words what matters for each KPI, by the design's sensitivity method.

    Parameters
    ----------
    sens
        The sensitivity of a sweep.
    top
        How many influential factors to describe one by one.

    Returns
    -------
    list of str
        One paragraph per KPI, most influential factor first, headed by the
        KPI's label and unit. Sobol readings give the share of the variation each
        factor explains alone (S1) and with its interactions (ST); Morris
        readings give ``mu_star``, the KPI change for moving a factor across its
        whole range, and compare ``sigma`` with it; RBD-FAST readings give
        first-order shares; grid readings give the range of each factor's
        level means.
    """
    return [f"{kpi_title(kpi)}: "
            f"{' '.join(_capital(s) for s in sensitivity_sentences(sens, kpi, top))}"
            for kpi in sens.kpis]


def sensitivity_sentences(sens: Sensitivity, kpi: str, top: int = 3) -> list[str]:
    """The sentences of :func:`reading` for one KPI."""
    if kpi in sens.skipped:
        return [f"no sensitivity indices ({sens.skipped[kpi]})."]
    rows = sens.for_kpi(kpi)
    if sens.method in ("sobol", "rbd-fast"):
        return _read_shares(rows, top, sens.method)
    if sens.method == "morris":
        return _read_morris(kpi, rows, top, sens.categorical, sens.discrete)
    if sens.method == "main effects":
        return _read_main_effects(kpi, rows, sens.levels, top)
    return _read_points(kpi, sens.means[sens.means["kpi"] == kpi], sens.parameters)


def _read_shares(rows: pd.DataFrame, top: int, method: str) -> list[str]:
    """Read variance shares: Sobol (S1 and ST) or RBD-FAST (S1 only)."""
    key = "ST" if method == "sobol" else "S1"
    big = rows[rows[key] >= NEGLIGIBLE]
    small = [_lower(p) for p in rows.loc[rows[key] < NEGLIGIBLE, "parameter"]]
    out = []
    if big.empty:
        out.append(f"no factor reaches {key} {NEGLIGIBLE:g}; none of them moves the KPI "
                   "much across the sweep.")
    for i, r in enumerate(big.head(top).itertuples()):
        if method == "sobol":
            numbers = (f"(S1 {r.S1:.2f} ± {r.S1_conf:.2f}), {_percent(r.ST)} counting its "
                       f"interactions (ST {r.ST:.2f} ± {r.ST_conf:.2f})")
        else:
            numbers = f"(S1 {r.S1:.2f} ± {r.S1_conf:.2f}, RBD-FAST)"
        if i == 0:
            out.append(f"{_name(r.parameter)} matters most — on its own it explains about "
                       f"{_percent(r.S1)} of the variation across the sweep {numbers}.")
        else:
            out.append(f"Next comes {_lower(r.parameter)}: about {_percent(r.S1)} on its own "
                       f"{numbers}.")
    if len(big) > top:
        out.append(_more(len(big) - top, f"{key} of {NEGLIGIBLE:g} or more"))
    if small:
        alone = "" if method == "sobol" else " on its own"
        out.append(f"{join_names(small)} {_verb(small, 'matters', 'matter')} little{alone} "
                   f"({key} below {NEGLIGIBLE:g}).")
    total = float(rows["S1"].clip(lower=0).sum())
    if total >= INTERACTIONS:
        out.append(f"The first-order indices add up to {total:.2f}: the factors act "
                   "mostly on their own.")
    elif method == "sobol":
        out.append(f"The first-order indices add up to {total:.2f}, so about "
                   f"{_percent(1 - total)} of the variation comes from interactions (or from "
                   "replication noise): the effect of a factor depends on the values of "
                   "others, so look at the maps, not at single factors.")
    else:
        out.append(f"These add up to {total:.2f}, so about {_percent(1 - total)} of the "
                   "variation comes from interactions between factors (see the maps).")
    return out


def _read_morris(kpi: str, rows: pd.DataFrame, top: int,
                 categorical: Sequence[str] = (), discrete: Sequence[str] = ()) -> list[str]:
    rows = without_rounding_noise(rows, ("mu", "mu_star", "mu_star_conf", "sigma"))
    largest = float(rows["mu_star"].max())
    big = rows[rows["mu_star"] >= NEGLIGIBLE * largest] if largest > 0 else rows.head(0)
    small = [_lower(p) for p in rows["parameter"] if p not in set(big["parameter"])]
    out = []
    if big.empty:
        out.append("no factor moves the KPI across its range.")
    for i, r in enumerate(big.head(top).itertuples()):
        lead = (f"{_name(r.parameter)} matters most: moving it" if i == 0
                else f"Moving {_lower(r.parameter)}")
        if r.parameter in categorical:
            sign = "its values are choices, so the effect has a size but no direction"
        elif abs(r.mu) >= 0.9 * r.mu_star:
            sign = f"raising it {'raises' if r.mu > 0 else 'lowers'} the KPI"
        else:
            sign = f"the sign of its effect varies (mu {number_text(r.mu, 3)})"
        if r.sigma > SIGMA_LARGE * r.mu_star:
            shape = "non-linear or interacting (sigma large relative to mu*)"
        elif r.sigma > SIGMA_SMALL * r.mu_star:
            shape = "mostly monotonic, with some non-linearity or interaction"
        else:
            shape = "close to linear and additive"
        if r.parameter in discrete:
            shape += "; its values are whole numbers or choices, so read its mu* as a rank, " \
                     "not a size"
        out.append(f"{lead} across its range changes the KPI by about "
                   f"{amount(r.mu_star, kpi)} (mu* {number_text(r.mu_star, 3)} ± "
                   f"{number_text(r.mu_star_conf, 3)}); {sign}; its effect is {shape}.")
    if len(big) > top:
        out.append(_more(len(big) - top, f"mu* of {NEGLIGIBLE:.0%} of the largest or more"))
    if small:
        out.append(f"{join_names(small)} {_verb(small, 'matters', 'matter')} little (mu* below "
                   f"{NEGLIGIBLE:.0%} of the largest).")
    return out


def without_rounding_noise(rows: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Set values that are rounding noise (below 1e-9 of the largest) to zero."""
    scale = float(np.nanmax(np.abs(rows[list(columns)].to_numpy(float)), initial=0.0))
    values = rows[list(columns)]
    return rows.assign(**{c: values[c].where(values[c].abs() > 1e-9 * scale, 0.0)
                          for c in columns})


def _read_main_effects(kpi: str, rows: pd.DataFrame, levels: pd.DataFrame,
                       top: int) -> list[str]:
    largest = float(rows["effect"].max())
    if not largest > 0:
        return ["no factor has a main effect: averaged over the others, every level gives "
                "the same mean, so the variation comes from interactions only."]
    big = rows[rows["effect"] >= NEGLIGIBLE * largest]
    small = [_lower(p) for p in rows["parameter"] if p not in set(big["parameter"])]
    out = []
    for i, r in enumerate(big.head(top).itertuples()):
        of = levels[(levels["kpi"] == kpi) & (levels["parameter"] == r.parameter)]
        low, high = of.loc[of["mean"].idxmin()], of.loc[of["mean"].idxmax()]
        label = factor_label(r.parameter)
        span = (f"from {amount(float(low['mean']), kpi)} at {format_value(label, low['value'])} "
                f"to {amount(float(high['mean']), kpi)} at "
                f"{format_value(label, high['value'])}")
        if i == 0:
            out.append(f"averaged over the other factors, {_lower(r.parameter)} moves it "
                       f"most, {span} (a main effect of {amount(r.effect, kpi)}).")
        else:
            out.append(f"{_name(r.parameter)} has a main effect of {amount(r.effect, kpi)} "
                       f"({span}).")
    if len(big) > top:
        out.append(_more(len(big) - top,
                         f"main effects of {NEGLIGIBLE:.0%} of the largest or more"))
    if small:
        out.append(f"{join_names(small)} {_verb(small, 'matters', 'matter')} little on average "
                   f"(main effect below {NEGLIGIBLE:.0%} of the largest).")
    return out


def _read_points(kpi: str, of_kpi: pd.DataFrame, parameters: Sequence[str]) -> list[str]:
    valued = of_kpi.dropna(subset=["mean"])
    if valued.empty:
        return ["no point has a result."]
    low, high = valued.loc[valued["mean"].idxmin()], valued.loc[valued["mean"].idxmax()]
    return [f"the point means range from {amount(float(low['mean']), kpi)} "
            f"({_assignment(low, parameters)}) to {amount(float(high['mean']), kpi)} "
            f"({_assignment(high, parameters)})."]


def _assignment(row: pd.Series, parameters: Sequence[str]) -> str:
    return ", ".join(f"{_name(p)} = {cell_text(row[p])}" for p in parameters
                     if not is_missing(row[p]))


def choice_means(means: pd.DataFrame, categorical: Sequence[str]) -> pd.DataFrame:
    """The mean of each KPI's point means per value of each choice factor.

    Parameters
    ----------
    means
        The per-point means.
    categorical
        The factors whose values are choices.

    Returns
    -------
    pandas.DataFrame
        ``kpi, parameter, level, mean, points``: in a sampled design each
        choice meets a spread of the other factors, so these are averages over
        that spread.
    """
    rows = []
    for parameter in categorical:
        valued = means[means["mean"].notna() & ~means[parameter].map(is_missing)]
        for (kpi, level), group in valued.groupby(["kpi", valued[parameter].map(cell_text)],
                                                  sort=False):
            rows.append({"kpi": kpi, "parameter": parameter, "level": level,
                         "mean": float(group["mean"].mean()), "points": len(group)})
    return pd.DataFrame(rows, columns=["kpi", "parameter", "level", "mean", "points"])


def _choice_sentences(rows: pd.DataFrame, kpi: str) -> list[str]:
    out = []
    for parameter, group in rows.groupby("parameter", sort=False):
        parts = ", ".join(f"{amount(r.mean, kpi)} with {r.level} ({r.points} points)"
                          for r in group.sort_values("mean", ascending=False).itertuples())
        out.append(f"Averaged over the other factors, {_lower(parameter)} gives {parts}.")
    return out


# --- caveats --------------------------------------------------------------------------------


def caveats(sens: Sensitivity, runs: pd.DataFrame, kpis: Sequence[str],
            constant: Mapping[str, float], too_few: Mapping[str, int],
            sampled: bool) -> list[str]:
    """What limits the reading, each said once.

    Parameters
    ----------
    sens
        The sensitivity of the sweep (its warnings: collapsed runs, noise, small
        designs, points not run yet).
    runs
        One row per run.
    kpis
        The KPIs analysed.
    constant
        KPIs that do not vary (reported among the findings, not here).
    too_few
        Numeric factors with too few values to look for a threshold along.
    sampled
        Whether the design is sampled (thresholds are then fitted over all runs).

    Returns
    -------
    list of str
        The warnings of the sensitivity analysis, then one entry per KPI that is
        undefined in some runs (how many, and why), then the limits of the
        threshold search.
    """
    out = list(sens.warnings)
    for kpi in kpis:
        if kpi not in runs.columns or kpi in constant:
            continue
        missing = runs[kpi].isna()
        if not missing.any() or missing.all():
            continue
        points = runs.groupby("point")[kpi].apply(lambda v: v.isna().all())
        collapsed = int((missing & runs.get("collapsed", pd.Series(0, index=runs.index))
                         .eq(1.0)).sum())
        also = (f" ({collapsed} of these runs collapsed, and stopped early)" if collapsed
                and kpi != "collapsed_day" else "")
        out.append(f"{kpi_title(kpi)} has no value in {int(missing.sum())} of {len(runs)} runs "
                   f"({int(points.sum())} of {len(points)} points have none at all): "
                   f"{undefined_reason(kpi)}{also}. Those runs are left out of its means, "
                   "maps and fits.")
    if too_few:
        names = join_names([f"{_lower(f)} ({n})" for f, n in too_few.items()])
        out.append(f"Thresholds are looked for along factors with at least {MIN_LEVELS} "
                   f"distinct values; {names} {_verb(list(too_few), 'has', 'have')} fewer.")
    if sampled:
        out.append("In a sampled design a threshold along one factor is fitted over all runs "
                   "while the other factors vary: it is where the KPI changes on average, "
                   "blurred by the others.")
    if sens.method == "morris" and sens.categorical:
        names = join_names([_lower(p) for p in sens.categorical])
        out.append(f"Morris steps treat the choices of {names} as if they were ordered "
                   "numbers and compare only some pairs of them; read the means per choice, "
                   "not mu*, for their effect.")
    return out
