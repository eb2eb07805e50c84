"""What each summary KPI means: unit, good direction and a one-line definition.

The command line uses this to label tables; comparisons use the direction to
say whether a change is better or worse. The full definitions are in
``docs/results.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    """Metadata of one summary column."""

    unit: str
    better: str  # "higher", "lower" or "neutral"
    label: str


KPIS: dict[str, Kpi] = {
    "ops_arrival_rate": Kpi("items/day", "neutral", "Items arriving (value + failure)"),
    "ops_failure_share": Kpi("share", "lower", "Share of arrivals that are failure demand"),
    "ops_wait_mean": Kpi("days", "lower", "Mean wait before service"),
    "ops_time_in_system_mean": Kpi("days", "lower", "Mean time from arrival to completion"),
    "ops_wip_mean": Kpi("items", "lower", "Time-average items in system"),
    "ops_queue_mean": Kpi("items", "lower", "Time-average items waiting"),
    "ops_utilisation": Kpi("share", "neutral", "Busy time / day-job time (duty + overrun)"),
    "ops_service_level": Kpi("share", "higher", "Share of items finished within the SLA"),
    "ops_items_completed": Kpi("items", "neutral", "Items completed"),
    "ops_throughput": Kpi("items/day", "neutral", "Items completed per day"),
    "ops_backlog_final": Kpi("items", "lower", "Items in system at the end"),
    "ops_abandoned": Kpi("items", "lower", "Value-demand items that left unserved (impatient)"),
    "ops_abandoned_share": Kpi("share", "lower", "Share of arrivals that left unserved"),
    "hours_project_share": Kpi("share", "neutral", "Share of all hours spent on project work"),
    "hours_overrun_share": Kpi("share", "neutral", "Share of all hours finishing items after duty"),
    "projects_started": Kpi("projects", "neutral", "Projects started"),
    "projects_completed": Kpi("projects", "higher", "Projects completed"),
    "projects_active_final": Kpi("projects", "neutral", "Projects in progress at the end"),
    "projects_due": Kpi("projects", "neutral",
                        "Projects whose on-time deadline fell in the window"),
    "projects_on_time_rate": Kpi("share", "higher",
                                 "Due projects delivered on time (undelivered = late)"),
    "projects_finished_share": Kpi("share", "higher", "Due projects delivered by the end"),
    "project_slip_mean": Kpi("share of plan", "lower",
                             "Mean slip of due projects (undelivered: slip so far)"),
    "project_duration_mean": Kpi("days", "lower",
                                 "Mean duration of due projects (undelivered: so far)"),
    "project_effort_total": Kpi("person-days", "neutral", "Effort spent on due projects"),
    "project_effort_mean": Kpi("person-days", "lower",
                               "Mean effort of a due project (undelivered: so far)"),
    "project_rework_share": Kpi("share", "lower",
                                "Share of project work that was rework (all projects)"),
    "projects_on_time_rate_finished": Kpi("share", "higher",
                                          "Completed projects within tolerance of plan"),
    "project_slip_mean_finished": Kpi("share of plan", "lower",
                                      "Mean slip of completed projects only"),
    "project_duration_mean_finished": Kpi("days", "lower",
                                          "Mean duration of completed projects only"),
    "project_effort_total_finished": Kpi("person-days", "neutral",
                                         "Effort spent on completed projects"),
    "project_effort_mean_finished": Kpi("person-days", "lower",
                                        "Mean effort of a completed project"),
    "project_rework_share_finished": Kpi("share", "lower",
                                         "Share of work on completed projects that was rework"),
    "benefits_realised": Kpi("benefit-years", "higher", "Realised benefit integrated over time"),
    "benefits_realised_demand_reduction": Kpi("benefit-years", "higher",
                                              "... from demand reduction"),
    "benefits_realised_failure_reduction": Kpi("benefit-years", "higher",
                                               "... from failure reduction"),
    "benefits_realised_productivity": Kpi("benefit-years", "higher", "... from productivity"),
    "benefits_realised_revenue": Kpi("benefit-years", "higher", "... from revenue"),
    "benefits_realised_capability": Kpi("benefit-years", "higher", "... from capability"),
    "benefits_handed_over": Kpi("benefits", "higher", "Benefits handed over to operations"),
    "revenue_index_final": Kpi("index", "higher", "Revenue index at the end (1 = start)"),
    "stress_mean": Kpi("stress", "lower", "Time-average of mean stress"),
    "stress_p90_mean": Kpi("stress", "lower", "Time-average of the 90th percentile of stress"),
    "stress_challenge_mean": Kpi("stress", "neutral",
                                 "Time-average of mean challenge stress (overload)"),
    "stress_hindrance_mean": Kpi("stress", "lower",
                                 "Time-average of mean hindrance stress (misalignment)"),
    "misalignment_mean": Kpi("share", "lower", "Time-average of mean misalignment"),
    "attrition_count": Kpi("people", "lower", "People who left (attrition)"),
    "removed_count": Kpi("people", "neutral", "People removed (layoffs, disbanded PMO)"),
    "hires_count": Kpi("people", "neutral", "People who started (refills and new seats)"),
    "vacancies_mean": Kpi("seats", "lower", "Time-average of empty seats awaiting a hire"),
    "hours_diverted_share": Kpi("share", "lower",
                                "Planned project/improvement/sustainment hours diverted"),
    "hours_improvement_share": Kpi("share", "neutral", "Share of all hours on improvement"),
    "capability_final": Kpi("index", "higher", "Operations capability at the end (1 = base)"),
    "maturity_final": Kpi("level 1-5", "higher", "Project management maturity at the end"),
    "benefits_sustained_final": Kpi("share", "higher",
                                    "Share of promised benefit still held at the end"),
    "projects_cancelled": Kpi("projects", "neutral", "Projects cancelled at stage gates"),
    "projects_rescued": Kpi("rescues", "neutral",
                            "Times people were added to a project forecast to be late"),
    "cost_total": Kpi("money", "lower", "Staff cost of every activity plus hiring cost"),
    "cost_change": Kpi("money", "lower", "Staff cost of projects, PMO, OpEx and sustainment"),
    "value_benefits": Kpi("money", "higher", "Money value of the benefits realised"),
    "npv_change": Kpi("money", "higher",
                      "NPV of the change: value of benefits - cost of change"),
    "payback_weeks": Kpi("weeks", "lower",
                         "Weeks until the change pays back for good (n/a: never)"),
    "irr_change": Kpi("share/year", "higher",
                      "Internal rate of return of the weekly net flows (annual)"),
    "ai_quality_mean": Kpi("quality 0-1", "higher",
                           "Time-average quality of the AI solutions in use (NaN: none)"),
    "ai_incidents": Kpi("incidents", "lower", "Incidents raised by AI solutions in use"),
    "ai_detection_delay_mean": Kpi("days", "lower",
                                   "Mean time from an AI degradation to its detection"),
    "ai_benefit_realised": Kpi("benefit-years", "higher",
                               "AI benefit in force (realised x quality) integrated over time"),
    "ops_pressure_end": Kpi("pressure", "lower",
                            "Mean ops pressure over the last 3 months (1 = at the SLA limit)"),
    "tipped": Kpi("0/1", "lower", "1 if the run ends firefighting (pressure above 1) or "
                                  "collapsed"),
    "collapsed": Kpi("0/1", "lower", "1 if the backlog passed operations.backlog_limit"),
    "collapsed_day": Kpi("day", "neutral", "Day the run stopped on its backlog (NaN: never)"),
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
    return KPIS.get(name, Kpi("", "neutral", name))


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
    "hours_diverted_share": "no project, improvement or sustainment time was planned",
    "ai_quality_mean": "no AI solution was in use",
    "payback_weeks": "the change never paid back",
    "irr_change": "the net flows have no rate of return",
}
"""Why a KPI can be undefined (NaN) in a run; docs/results.md, "NaN and empty values"."""


def undefined_because(name: str) -> str:
    """Why KPI ``name`` can be undefined in a run (a generic phrase for the others)."""
    return UNDEFINED_WHEN.get(name, "the KPI is undefined in that run")
