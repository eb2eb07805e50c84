"""Team dynamics on projects: communication overhead, newcomers and mentoring.

Brooks (1975) argued that adding people to a late project makes it later: the
newcomers must learn the project before they contribute fully, they take the
time of the people who teach them, and every extra member adds lines of
communication (n(n - 1)/2 of them in a team of n). Abdel-Hamid and Madnick
(1991) turned this into the rules used here:

* every member of a team of n spends a share ``k n^2`` of their project time
  communicating (``k = 0.0006``, i.e. 0.06 n^2 percent), at most all of it;
* someone who joins a running project starts at ``newcomer_productivity`` on
  it and ramps up linearly to full productivity over ``onboarding``;
* while ramping, each newcomer takes ``mentoring`` of one established
  member's project work.

So a team's capacity for the day is

    (sum of members' time x productivity x ramp
     - newcomers ramping x mentoring x mean effective work of the established)
    x (1 - min(k n^2, 1)),

never below zero. With ``k = 0`` and nobody new on the team it is simply the sum
of the members' time times productivity.
"""

from __future__ import annotations

import numpy as np

from sim.model import day_kernel as k
from sim.schema.scenario import Projects


def communication_overhead(team_size: int, coefficient: float) -> float:
    """Share of each member's project time spent communicating in a team of ``team_size``."""
    return k.communication_overhead(team_size, coefficient)


def team_capacity(time: np.ndarray, productivity: np.ndarray, tenure: np.ndarray | None,
                  params: Projects) -> float:
    """Work a project team can do today.

    Parameters
    ----------
    time
        Each member's project time for the project today (person-days).
    productivity
        Each member's productivity on project work (skill, stress, onboarding to
        the organisation and multitasking).
    tenure
        Days each member has been on the project, or None when nobody joined
        it late (everybody is established).
    params
        The projects section (onboarding, newcomer productivity, mentoring and
        the communication-overhead coefficient).

    Returns
    -------
    float
        Person-days of effective work (the rule is
        :func:`sim.model.day_kernel.team_capacity`).
    """
    time = np.asarray(time, dtype=float)
    newcomers = tenure is not None
    tenure = np.asarray(tenure if newcomers else np.full(len(time), np.inf), dtype=float)
    return k.team_capacity(time, np.asarray(productivity, dtype=float), tenure, newcomers,
                           params.onboarding, params.newcomer_productivity, params.mentoring,
                           params.communication_overhead)
