"""What each summary KPI means: unit, good direction and its names in plain words.

This is the one table of KPI names: the command line, the decision brief, the
studio and the teaching notebooks all read their labels, short names and
display units from here. Comparisons use the direction to say whether a change
is better or worse. The full definitions are in ``docs/results.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    """Metadata of one summary column.

    Attributes
    ----------
    unit
        The unit of the stored values (the ``unit`` column of ``comparison.csv``).
    better
        ``higher``, ``lower`` or ``neutral``: which way is an improvement.
    label
        What it measures in plain words, for the rows of a table
        ("Wait before service (mean)").
    short
        A short name that reads inside a sentence ("wait before service").
    """

    unit: str
    better: str  # "higher", "lower" or "neutral"
    label: str
    short: str = ""

    @property
    def words(self) -> tuple[str, str]:
        """What follows a value and a difference in this unit (see :data:`UNIT_WORDS`)."""
        return UNIT_WORDS.get(self.unit, ("", ""))


UNIT_WORDS: dict[str, tuple[str, str]] = {
    "share": ("%", " pp"),
    "share of plan": ("%", " pp"),
    "share/year": ("% a year", " pp"),
    "0/1": ("% of runs", " pp"),
    "quality 0-1": ("%", " pp"),
    "items": (" items", " items"),
    "items/day": (" items/day", " items/day"),
    "projects": (" projects", " projects"),
    "people": (" people", " people"),
    "seats": (" seats", " seats"),
    "person-days": (" person-days", " person-days"),
    "benefit-years": (" benefit-years", " benefit-years"),
    "benefits": (" benefits", " benefits"),
    "incidents": (" incidents", " incidents"),
    "rescues": (" rescues", " rescues"),
    "weeks": (" weeks", " weeks"),
    "day": (" days", " days"),
    "index": (" × start", " × start"),
    "level 1-5": (" of 5", " levels"),
    "stress": (" strain", " strain"),
}
"""How values of each unit are written after scaling, as (value suffix, difference suffix).

Shares (and 0/1 flags, whose mean is a share of runs) are shown as percentages
and their differences in percentage points; an index relative to the start as
a multiple of the start; stress on its own strain scale (0 = none). Durations
in ``days`` and ``money`` are scaled by the number (hours or minutes; k, M or
bn of the currency) and are not in this table.
"""

PERCENT_UNITS = ("share", "share of plan", "share/year", "0/1", "quality 0-1")
"""Units whose values are shown multiplied by 100."""


KPIS: dict[str, Kpi] = {
    "ops_arrival_rate": Kpi("items/day", "neutral",
                            "Items arriving per day (new and failure demand)",
                            "items arriving per day"),
    "ops_failure_share": Kpi("share", "lower",
                             "Failure demand: arrivals that redo earlier work",
                             "failure demand"),
    "ops_wait_mean": Kpi("days", "lower", "Wait before service (mean)", "wait before service"),
    "ops_time_in_system_mean": Kpi("days", "lower", "Time to finish an item, from arrival (mean)",
                                   "time to finish an item"),
    "ops_wip_mean": Kpi("items", "lower", "Items in the system (average)", "items in the system"),
    "ops_queue_mean": Kpi("items", "lower", "Items waiting (average)", "items waiting"),
    "ops_utilisation": Kpi("share", "neutral", "Day-job time spent serving items",
                           "day-job time spent serving"),
    "ops_service_level": Kpi("share", "higher", "Service level: items finished in target time",
                             "service level"),
    "ops_items_completed": Kpi("items", "neutral", "Items completed", "items completed"),
    "ops_throughput": Kpi("items/day", "neutral", "Items completed per day",
                          "items completed per day"),
    "ops_backlog_final": Kpi("items", "lower", "Items in the system at the end",
                             "items in the system at the end"),
    "ops_abandoned": Kpi("items", "lower", "Items abandoned: customers gave up waiting",
                         "items abandoned"),
    "ops_abandoned_share": Kpi("share", "lower", "Share of arrivals abandoned (customers gave up)",
                               "items abandoned"),
    "hours_project_share": Kpi("share", "neutral", "Share of all hours spent on projects",
                               "hours on projects"),
    "hours_overrun_share": Kpi("share", "neutral",
                               "Share of all hours worked after duty (overrun)", "overrun hours"),
    "projects_started": Kpi("projects", "neutral", "Projects started", "projects started"),
    "projects_completed": Kpi("projects", "higher", "Projects completed", "projects completed"),
    "projects_active_final": Kpi("projects", "neutral", "Projects in progress at the end",
                                 "projects in progress at the end"),
    "projects_due": Kpi("projects", "neutral",
                        "Projects due: their on-time deadline fell in the period", "projects due"),
    "projects_on_time_rate": Kpi("share", "higher",
                                 "Due projects delivered on time (late if not delivered)",
                                 "projects on time"),
    "projects_finished_share": Kpi("share", "higher", "Due projects delivered by the end",
                                   "due projects delivered"),
    "project_slip_mean": Kpi("share of plan", "lower",
                             "Project overrun beyond plan, due projects (mean)",
                             "project overrun"),
    "project_duration_mean": Kpi("days", "lower", "Duration of a due project (mean)",
                                 "project duration"),
    "project_effort_total": Kpi("person-days", "neutral", "Effort spent on due projects",
                                "effort on due projects"),
    "project_effort_mean": Kpi("person-days", "lower", "Effort of a due project (mean)",
                               "effort per project"),
    "project_rework_share": Kpi("share", "lower", "Share of project work that was rework",
                                "project rework"),
    "projects_on_time_rate_finished": Kpi("share", "higher",
                                          "Completed projects finished on time (completed only)",
                                          "completed projects on time"),
    "project_slip_mean_finished": Kpi("share of plan", "lower",
                                      "Overrun of completed projects only (mean)",
                                      "overrun of completed projects"),
    "project_duration_mean_finished": Kpi("days", "lower",
                                          "Duration of a completed project only (mean)",
                                          "duration of completed projects"),
    "project_effort_total_finished": Kpi("person-days", "neutral",
                                         "Effort spent on completed projects only",
                                         "effort on completed projects"),
    "project_effort_mean_finished": Kpi("person-days", "lower",
                                        "Effort of a completed project only (mean)",
                                        "effort per completed project"),
    "project_rework_share_finished": Kpi("share", "lower",
                                         "Share of work on completed projects that was rework",
                                         "rework on completed projects"),
    "benefits_realised": Kpi("benefit-years", "higher",
                             "Benefits realised, in years of full benefit", "benefits realised"),
    "benefits_realised_demand_reduction": Kpi("benefit-years", "higher",
                                              "Benefits realised: demand avoided",
                                              "demand avoided"),
    "benefits_realised_failure_reduction": Kpi("benefit-years", "higher",
                                               "Benefits realised: failures avoided",
                                               "failures avoided"),
    "benefits_realised_productivity": Kpi("benefit-years", "higher",
                                          "Benefits realised: effort saved", "effort saved"),
    "benefits_realised_revenue": Kpi("benefit-years", "higher", "Benefits realised: extra revenue",
                                     "extra revenue"),
    "benefits_realised_capability": Kpi("benefit-years", "higher", "Benefits realised: capability",
                                        "capability benefits"),
    "benefits_handed_over": Kpi("benefits", "higher", "Benefits handed over to operations",
                                "benefits handed over"),
    "revenue_index_final": Kpi("index", "higher", "Revenue at the end",
                               "revenue at the end"),
    "stress_mean": Kpi("stress", "lower", "Staff strain (average; 0 = none)", "staff strain"),
    "stress_p90_mean": Kpi("stress", "lower",
                           "Strain of the most strained tenth (average)",
                           "strain of the most strained"),
    "stress_challenge_mean": Kpi("stress", "neutral", "Strain from overload (average)",
                                 "strain from overload"),
    "stress_hindrance_mean": Kpi("stress", "lower", "Strain from misalignment (average)",
                                 "strain from misalignment"),
    "misalignment_mean": Kpi("share", "lower",
                             "Misalignment of rewards and work (average)",
                             "misalignment"),
    "attrition_count": Kpi("people", "lower", "People who left", "people who left"),
    "removed_count": Kpi("people", "neutral", "People removed (layoffs, disbanded PMO)",
                         "people removed"),
    "hires_count": Kpi("people", "neutral", "People hired (refills and new seats)",
                       "people hired"),
    "vacancies_mean": Kpi("seats", "lower", "Empty seats awaiting a hire (average)",
                          "empty seats"),
    "hours_diverted_share": Kpi("share", "lower",
                                "Project and improvement time lost to day job",
                                "time lost to the day job"),
    "hours_improvement_share": Kpi("share", "neutral", "Share of all hours spent on improvement",
                                   "hours on improvement"),
    "capability_final": Kpi("index", "higher",
                            "Operations capability at the end",
                            "operations capability"),
    "maturity_final": Kpi("level 1-5", "higher", "Project management maturity at the end (1 to 5)",
                          "project management maturity"),
    "benefits_sustained_final": Kpi("share", "higher",
                                    "Promised benefit still held at the end",
                                    "promised benefit still held"),
    "projects_cancelled": Kpi("projects", "neutral", "Projects cancelled at stage gates",
                              "projects cancelled"),
    "projects_rescued": Kpi("rescues", "neutral", "Times people were added to a late project",
                            "project rescues"),
    "cost_total": Kpi("money", "lower", "Staff and hiring cost, every activity",
                      "total staff cost"),
    "cost_change": Kpi("money", "lower", "Cost of change: projects, PMO, OpEx, upkeep",
                       "cost of change"),
    "value_benefits": Kpi("money", "higher", "Value of the benefits realised",
                          "value of benefits"),
    "npv_change": Kpi("money", "higher",
                      "Net present value of the change",
                      "net present value"),
    "payback_weeks": Kpi("weeks", "lower", "Weeks until the change pays back", "payback"),
    "irr_change": Kpi("share/year", "higher", "Internal rate of return of the change (a year)",
                      "internal rate of return"),
    "ai_quality_mean": Kpi("quality 0-1", "higher", "Quality of the AI solutions in use (average)",
                           "AI quality"),
    "ai_incidents": Kpi("incidents", "lower", "Incidents caused by AI solutions in use",
                        "AI incidents"),
    "ai_detection_delay_mean": Kpi("days", "lower", "Time to detect an AI degradation (mean)",
                                   "AI detection time"),
    "ai_benefit_realised": Kpi("benefit-years", "higher",
                               "AI benefit in force, in years of full benefit",
                               "AI benefit in force"),
    "ops_pressure_end": Kpi("pressure", "lower",
                            "Pressure on the day job in the last 3 months (1 = at its limit)",
                            "pressure at the end"),
    "tipped": Kpi("0/1", "lower", "Runs that end firefighting, or collapsed", "runs that tipped"),
    "collapsed": Kpi("0/1", "lower", "Runs in which the backlog collapsed", "collapsed runs"),
    "collapsed_day": Kpi("day", "neutral", "Working days until the backlog collapsed (n/a: never)",
                         "day of collapse"),
}

HEADLINE = ("ops_wait_mean", "ops_time_in_system_mean", "ops_wip_mean", "ops_utilisation",
            "ops_service_level", "ops_throughput", "ops_failure_share", "projects_completed",
            "projects_on_time_rate", "project_slip_mean", "benefits_realised",
            "benefits_sustained_final", "revenue_index_final", "stress_mean",
            "misalignment_mean", "attrition_count", "hours_diverted_share", "capability_final",
            "maturity_final", "cost_change", "value_benefits", "npv_change")
"""The KPIs printed by ``pmosim run`` (every KPI is in the result files)."""


def format_number(x: float) -> str:
    """Four significant digits; whole numbers with separators from 10,000; n/a for NaN.

    Large values (money, counts) are never in e-notation; only values below
    0.001 are, where four significant digits would need many zeros.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x != 0 and abs(x) >= 1e4:  # where four significant digits would need e-notation
        return f"{x:,.0f}"
    if x != 0 and abs(x) < 1e-3:
        return f"{x:.3e}"
    return f"{x:.4g}"


def describe(name: str) -> Kpi:
    """Return the metadata of KPI ``name`` (a neutral placeholder for unknown ones)."""
    return KPIS.get(name, Kpi("", "neutral", name, name))


UNDEFINED_WHEN: dict[str, str] = {
    "projects_on_time_rate": "no project was due in the window",
    "projects_finished_share": "no project was due in the window",
    "project_slip_mean": "no project was due in the window",
    "project_duration_mean": "no project was due in the window",
    "project_effort_mean": "no project was due in the window",
    "project_rework_share": "no project was in progress in the window",
    "ops_service_level": "no item was completed in the window",
    "ops_time_in_system_mean": "no item was completed in the window",
    "ops_wait_mean": "no item started service in the window",
    "ops_utilisation": "nobody was on duty in the window",
    "ops_pressure_end": "no week ended in the window",
    "benefits_sustained_final": "no benefit had been handed over",
    "ops_failure_share": "no item arrived in the window",
    "hours_diverted_share": "no project, improvement or sustainment time was planned",
    "hours_improvement_share": "no time was booked",
    "ai_quality_mean": "no AI solution was in use",
    "ai_detection_delay_mean": "no AI degradation was detected",
    "collapsed_day": "the run did not collapse",
    "payback_weeks": "the change never paid back",
    "irr_change": "the net flows have no rate of return",
}
"""Why a KPI can be undefined (NaN) in a run; docs/results.md, "NaN and empty values"."""


def undefined_because(name: str) -> str:
    """Why KPI ``name`` can be undefined in a run (a generic phrase for the others)."""
    return UNDEFINED_WHEN.get(name, "the KPI is undefined in that run")
