"""The direct fits: every parameter the exports record, from the exports alone.

:func:`direct_fits` splits the exports into what each fit needs and runs the
fits of :mod:`~sim.calibration.demand`, :mod:`~sim.calibration.service`,
:mod:`~sim.calibration.patience`, :mod:`~sim.calibration.defects`,
:mod:`~sim.calibration.attrition` and :mod:`~sim.calibration.projects`. Each reads
the exports as they stood at ``data.end`` (the hold-out check passes the exports
as of the start of its window), and the base scenario only for the factors that
turn an observed quantity into the model's parameter (speed, capability, the PMO's
keep factor on estimates, stress on leaving).
"""

from __future__ import annotations

import math

import numpy as np

from sim.calibration.attrition import fit_attrition
from sim.calibration.data import Data
from sim.calibration.defects import TITLE as DEFECTS_TITLE
from sim.calibration.defects import fit_defects
from sim.calibration.demand import fit_demand
from sim.calibration.fits import Fit, skipped
from sim.calibration.patience import fit_patience
from sim.calibration.projects import fit_projects
from sim.calibration.service import fit_service
from sim.model.pmo import keep_factor
from sim.schema.scenario import Scenario

NO_TICKETS = "no ticket file was given"
NO_PEOPLE = "no people file was given"
NO_PROJECTS = "no project file was given"
TICKET_FITS = (("demand", "Demand per working day"), ("service", "Handling time"),
               ("patience", "Patience (abandonment)"),
               ("defects", "Failure demand (reopened tickets)"))


def direct_fits(data: Data, base: Scenario, since: float | None = None,
                attrition_multiplier: float = 1.0) -> list[Fit]:
    """Every direct fit the exports allow, in the report's order.

    Parameters
    ----------
    data
        The exports (as of their end).
    base
        The base scenario (for the factors named above).
    since
        From when the people file lists leavers, in working days (None: inferred).
    attrition_multiplier
        The base scenario's mean stress factor on the hazard of leaving.
    """
    fits = _ticket_fits(data, base) if data.tickets is not None else [
        skipped(name, title, NO_TICKETS) for name, title in TICKET_FITS]
    if data.people is None:
        fits.append(skipped("attrition", "Attrition, vacancies and headcount", NO_PEOPLE))
    else:
        fits.append(fit_attrition(data.people, data.end, since, attrition_multiplier))
    if data.projects is None:
        fits.append(skipped("projects", "Projects: estimate error and slip", NO_PROJECTS))
    else:
        fits.append(fit_projects(data.projects, data.end, estimate_keep(base)))
    return fits


def _ticket_fits(data: Data, base: Scenario) -> list[Fit]:
    """Demand, handling time, patience and failure demand, from the ticket export."""
    t, end = data.tickets, data.end
    created, started = t["created"].to_numpy(float), t["started"].to_numpy(float)
    closed, parent = t["closed"].to_numpy(float), t["parent"].to_numpy(np.int64)
    outcome = t["outcome"].to_numpy(object)
    value = parent == -1
    resolved = outcome == "resolved"
    fits = [fit_demand(created[value], math.floor(end + 1e-9), data.calendar)]
    in_service = ~np.isnan(started) & np.isnan(closed)
    speed = base.workforce.operations.skill * base.opex.capability_initial
    fits.append(fit_service(closed[resolved] - started[resolved], end - started[in_service],
                            data.resolution, speed))
    fits.append(fit_patience(created[value], started[value], closed[value],
                             outcome[value] == "abandoned", end))
    fits.append(_defects(created, closed, parent, resolved, end, base, data.reopens_recorded))
    return fits


def estimate_keep(base: Scenario) -> float:
    """What the base scenario's PMO and starting maturity leave of the estimate error."""
    bundle = base.pmo.bundles[base.levers.pmo.type]
    return keep_factor(bundle.standardisation, base.pmo.maturity_initial,
                       base.pmo.maturity_effect)


def _defects(created, closed, parent, resolved, end, base, recorded) -> Fit:
    if not recorded:
        return skipped("defects", DEFECTS_TITLE, "the ticket file has no reopened_from column")
    linked = np.flatnonzero(parent >= 0)
    origin = parent[linked]
    ok = resolved[origin] & (created[linked] >= closed[origin])
    # a ticket reopened more than once: its first reopening is its defect
    order = np.argsort(created[linked[ok]], kind="stable")
    first, where = np.unique(origin[ok][order], return_index=True)
    delays = created[linked[ok][order][where]] - closed[first]
    back = np.zeros(len(created), dtype=bool)
    back[first] = True
    left = end - closed[resolved & ~back]
    return fit_defects(int(resolved.sum()), delays, left, base.opex.capability_initial)
