"""Plain-language readings of sensitivity indices, one paragraph per KPI.

The wording follows the method: Sobol readings give the share of the variation a
parameter explains alone (S1) and with its interactions (ST); Morris readings give
mu*, the change of the KPI for moving a parameter across its whole range, and
compare sigma with it; RBD-FAST readings give first-order shares; grid readings
give the spread of each parameter's level means. Thresholds are those of
:mod:`sim.studies.sweeps.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.kpis import describe, format_number
from sim.studies.sweeps.design import is_missing
from sim.studies.sweeps.sensitivity import (
    INTERACTIONS,
    NEGLIGIBLE,
    SIGMA_LARGE,
    SIGMA_SMALL,
    Sensitivity,
    cell_text,
    join_names,
)


def reading(sens: Sensitivity, top: int = 3) -> list[str]:
    """Say in plain words what matters for each KPI.

    Parameters
    ----------
    sens
        The sensitivity of a sweep.
    top
        How many influential parameters to describe one by one.

    Returns
    -------
    list of str
        One paragraph per KPI, most influential parameter first. Sobol readings
        give the share of the variation each parameter explains alone (S1) and
        with its interactions (ST); Morris readings give ``mu_star``, the KPI
        change for moving a parameter across its whole range, and compare
        ``sigma`` with it; RBD-FAST readings give first-order shares; grid
        readings give the range of each parameter's level means.
    """
    out = []
    for kpi in sens.kpis:
        head = kpi_title(kpi)
        if kpi in sens.skipped:
            out.append(f"{head}: no sensitivity indices — {sens.skipped[kpi]}.")
            continue
        rows = sens.for_kpi(kpi)
        if sens.method == "sobol":
            body = _read_shares(rows, top, "sobol")
        elif sens.method == "morris":
            body = _read_morris(kpi, rows, top, sens.categorical, sens.discrete)
        elif sens.method == "rbd-fast":
            body = _read_shares(rows, top, "rbd-fast")
        elif sens.method == "main effects":
            body = _read_main_effects(kpi, rows, sens.levels, top)
        else:
            body = _read_points(kpi, sens.means[sens.means["kpi"] == kpi], sens.parameters)
        out.append(f"{head}: {' '.join(body)}")
    return out


def kpi_title(kpi: str) -> str:
    """Return a KPI's name with its label and unit, e.g. ``x (mean wait, days)``.

    Parameters
    ----------
    kpi
        A KPI name.

    Returns
    -------
    str
        The name, followed by its short name in words and unit when known.
    """
    meta = describe(kpi)
    parts = [] if meta.short == kpi else [meta.short]
    parts += [meta.unit] if meta.unit else []
    return f"{kpi} ({', '.join(parts)})" if parts else kpi


def _percent(share: float) -> str:
    return f"{100 * min(max(share, 0.0), 1.0):.0f}%"


def _verb(names: Sequence[str], singular: str, plural: str) -> str:
    return singular if len(names) == 1 else plural


def _more(count: int, what: str) -> str:
    subject = "parameter has" if count == 1 else "parameters have"
    return f"{count} more {subject} {what} (see the table)."


def in_unit(unit: str) -> str:
    """`` (unit)`` for a label, or nothing when there is no unit."""
    return f" ({unit})" if unit else ""


def _amount(value: float, kpi: str) -> str:
    unit = describe(kpi).unit
    return f"{format_number(value)} {unit}" if unit else format_number(value)


def _read_shares(rows: pd.DataFrame, top: int, method: str) -> list[str]:
    """Read variance shares: Sobol (S1 and ST) or RBD-FAST (S1 only)."""
    key = "ST" if method == "sobol" else "S1"
    big = rows[rows[key] >= NEGLIGIBLE]
    small = list(rows.loc[rows[key] < NEGLIGIBLE, "parameter"])
    out = []
    if big.empty:
        out.append(f"no parameter reaches {key} {NEGLIGIBLE:g}; none of them moves the KPI "
                   "much across the sweep.")
    for i, r in enumerate(big.head(top).itertuples()):
        if method == "sobol":
            numbers = (f"(S1 {r.S1:.2f} ± {r.S1_conf:.2f}), {_percent(r.ST)} counting its "
                       f"interactions (ST {r.ST:.2f} ± {r.ST_conf:.2f})")
        else:
            numbers = f"(S1 {r.S1:.2f} ± {r.S1_conf:.2f}, RBD-FAST)"
        if i == 0:
            out.append(f"{r.parameter} matters most — on its own it explains about "
                       f"{_percent(r.S1)} of the variation across the sweep {numbers}.")
        else:
            out.append(f"Next comes {r.parameter}: about {_percent(r.S1)} on its own "
                       f"{numbers}.")
    if len(big) > top:
        out.append(_more(len(big) - top, f"{key} of {NEGLIGIBLE:g} or more"))
    if small:
        alone = "" if method == "sobol" else " on its own"
        out.append(f"{join_names(small)} {_verb(small, 'matters', 'matter')} little{alone} "
                   f"({key} below {NEGLIGIBLE:g}).")
    total = float(rows["S1"].clip(lower=0).sum())
    if total >= INTERACTIONS:
        out.append(f"The first-order indices add up to {total:.2f}: the parameters act "
                   "mostly on their own.")
    elif method == "sobol":
        out.append(f"The first-order indices add up to {total:.2f}, so about "
                   f"{_percent(1 - total)} of the variation comes from interactions (or from "
                   "replication noise, see the warnings): the effect of a parameter depends "
                   "on the values of others, so look at combinations, not single parameters.")
    else:
        out.append(f"RBD-FAST measures effects on their own only; these add up to "
                   f"{total:.2f}, so about {_percent(1 - total)} of the variation comes from "
                   "interactions between parameters (a sobol design would measure them).")
    return out


def _read_morris(kpi: str, rows: pd.DataFrame, top: int,
                 categorical: Sequence[str] = (), discrete: Sequence[str] = ()) -> list[str]:
    rows = without_rounding_noise(rows, ("mu", "mu_star", "mu_star_conf", "sigma"))
    largest = float(rows["mu_star"].max())
    big = rows[rows["mu_star"] >= NEGLIGIBLE * largest] if largest > 0 else rows.head(0)
    small = [p for p in rows["parameter"] if p not in set(big["parameter"])]
    out = []
    if big.empty:
        out.append("no parameter moves the KPI across its range.")
    for i, r in enumerate(big.head(top).itertuples()):
        lead = (f"{r.parameter} matters most: moving it" if i == 0
                else f"Moving {r.parameter}")
        if r.parameter in categorical:
            sign = "its values are choices, so the effect has a size but no direction"
        elif abs(r.mu) >= 0.9 * r.mu_star:
            sign = f"raising it {'raises' if r.mu > 0 else 'lowers'} the KPI"
        else:
            sign = f"the sign of its effect varies (mu {format_number(r.mu)})"
        if r.sigma > SIGMA_LARGE * r.mu_star:
            shape = "large relative to mu*, so its effect depends on other parameters or is " \
                    "non-linear"
        elif r.sigma > SIGMA_SMALL * r.mu_star:
            shape = "moderate relative to mu*, so its effect is mostly monotonic, with some " \
                    "non-linearity or interaction"
        else:
            shape = "small relative to mu*, so its effect is close to linear and additive"
        if r.parameter in discrete:
            shape += (" (its values are whole numbers or choices, which Morris steps as if "
                      "they were continuous: read its mu* as a rank, not a size)")
        out.append(f"{lead} across its range changes the KPI by about "
                   f"{_amount(r.mu_star, kpi)} (mu* {format_number(r.mu_star)} ± "
                   f"{format_number(r.mu_star_conf)}); {sign}; sigma "
                   f"{format_number(r.sigma)} is {shape}.")
    if len(big) > top:
        out.append(_more(len(big) - top, f"mu* of {NEGLIGIBLE:.0%} of the largest or more"))
    if small:
        out.append(f"{join_names(small)} {_verb(small, 'matters', 'matter')} little (mu* below "
                   f"{NEGLIGIBLE:.0%} of the largest).")
    out.append("mu* is the mean absolute change of the KPI when one parameter moves across its "
               "whole range; sigma large relative to mu* means its effect depends on other "
               "parameters or is non-linear.")
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
        return ["no parameter has a main effect: averaged over the others, every level gives "
                "the same mean, so the variation comes from interactions only."]
    big = rows[rows["effect"] >= NEGLIGIBLE * largest]
    small = [p for p in rows["parameter"] if p not in set(big["parameter"])]
    out = []
    for i, r in enumerate(big.head(top).itertuples()):
        of = levels[(levels["kpi"] == kpi) & (levels["parameter"] == r.parameter)]
        low, high = of.loc[of["mean"].idxmin()], of.loc[of["mean"].idxmax()]
        span = (f"from {_amount(float(low['mean']), kpi)} at {r.parameter} = {low['level']} "
                f"to {_amount(float(high['mean']), kpi)} at {r.parameter} = {high['level']}")
        if i == 0:
            out.append(f"{r.parameter} has the largest main effect: averaged over the other "
                       f"parameters, the KPI goes {span} (a spread of "
                       f"{_amount(r.effect, kpi)}).")
        else:
            out.append(f"{r.parameter}'s main effect spans {_amount(r.effect, kpi)} ({span}).")
    if len(big) > top:
        out.append(_more(len(big) - top,
                         f"main effects of {NEGLIGIBLE:.0%} of the largest or more"))
    if small:
        out.append(f"{join_names(small)} {_verb(small, 'matters', 'matter')} little (main effect "
                   f"below {NEGLIGIBLE:.0%} of the largest).")
    out.append("Main effects average over the other parameters; they do not show interactions.")
    return out


def _read_points(kpi: str, of_kpi: pd.DataFrame, parameters: Sequence[str]) -> list[str]:
    valued = of_kpi.dropna(subset=["mean"])
    if valued.empty:
        return ["no point has a result."]
    low, high = valued.loc[valued["mean"].idxmin()], valued.loc[valued["mean"].idxmax()]
    return [f"a list design gives no sensitivity indices; the point means range from "
            f"{_amount(float(low['mean']), kpi)} ({_assignment(low, parameters)}) to "
            f"{_amount(float(high['mean']), kpi)} ({_assignment(high, parameters)})."]


def _assignment(row: pd.Series, parameters: Sequence[str]) -> str:
    return ", ".join(f"{p} = {cell_text(row[p])}" for p in parameters if not is_missing(row[p]))



