"""The lessons of the trainers' workshop, one per experiment of a notebook.

Each entry of :data:`LESSONS` builds a :class:`sim.teaching.lessons.Lesson`: the
claim lessons start from the claim files in ``scenarios/claims/`` (so a
claim's arms and expected directions are read, never copied), with shorter
teaching run settings so that a Run takes seconds; ``pmosim claims ID``
runs the full experiment. :func:`lesson` builds one by key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sim.teaching.controls import lever, setting, shift, spike
from sim.teaching.lessons import Lesson, claim_lesson


def _baseline(root: Path | None) -> Lesson:
    return Lesson(
        key="baseline", title="The baseline organisation under more demand",
        question="What happens to the day job, the projects and the people when value "
                 "demand rises and nobody is hired?",
        base="scenarios/baseline.yaml",
        kpis=("ops_utilisation", "ops_time_in_system_mean", "ops_service_level",
              "projects_completed", "project_slip_mean", "hours_diverted_share",
              "stress_mean", "attrition_count"),
        loops=("WH", "R4", "R1"),
        knobs=(lever("demand", 330.0), lever("operations_headcount", 120)),
        series=("pressure",), labels=("the baseline", "the changed organisation"))


def _shared_staff(root: Path | None) -> Lesson:
    return Lesson(
        key="shared-staff", title="Two jobs, one person",
        question="When the same people run the day job and the projects, how much of their "
                 "time should a project take, and how many projects should run at once?",
        base="scenarios/claims/bases/busy_season.yaml",
        kpis=("ops_service_level", "ops_time_in_system_mean", "hours_diverted_share",
              "projects_completed", "project_slip_mean", "stress_mean"),
        loops=("WH", "B4", "R4"),
        knobs=(lever("allocation", 0.5), lever("wip_limit", 5),
               setting("divert_gain", "behaviour.divert_gain", "Pull of the queue",
                       "How strongly pressure above the service-level limit pulls people's "
                       "project and improvement time to the day job (0: not at all).",
                       "number", 1.0, 0.0, 3.0, 0.25, both=True),
               lever("protected_time", 0.5)),
        shared={"operations.backlog_limit": 1000},
        series=("hours_diverted", "projects_active", "pressure"),
        labels=("the busy season as it is", "the changed staffing"))


def _c1(root: Path | None) -> Lesson:
    return claim_lesson(
        "scenarios/claims/c01_rewards_misalignment.yaml", root=root, horizon="1 year",
        title="C1: operations-only against balanced reviews",
        question="When projects borrow the day job's staff and reviews count only the day "
                 "job, do priorities clash, stress rise and projects slip more than under "
                 "reviews that count both?",
        kpis=("misalignment_mean", "stress_challenge_mean", "stress_hindrance_mean",
              "hours_diverted_share"),
        loops=("R2", "R2a", "R4"),
        knobs=(lever("rewards", "balanced"),
               setting("misalignment_gain", "stress.misalignment_gain",
                       "Hindrance stress per unit of misalignment",
                       "How strongly being reviewed on one job while assigned to another "
                       "turns into hindrance stress (0: not at all).", "number", 0.6, 0.0,
                       1.5, 0.1, both=True)),
        series=("misalignment_mean", "stress_hindrance_mean", "stress_challenge_mean"))


def _c2(root: Path | None) -> Lesson:
    return claim_lesson(
        "scenarios/claims/c02_outcome_rewards.yaml", root=root, horizon="1 year",
        title="C2: operations-only against outcome-based reviews",
        question="Do reviews that reward outcomes realise more benefit than reviews of the "
                 "day job alone, without making the day job worse?",
        kpis=("ops_service_level", "projects_completed", "stress_mean"),
        loops=("R4", "R2"), knobs=(lever("rewards", "outcome_based"),),
        series=("benefits_sustained", "service_level"))


def _c3(root: Path | None) -> Lesson:
    question = ("When the three flagship projects are delivered, do the day job's KPIs move "
                "by the figures practitioners quote, in the time they quote?")
    c3 = claim_lesson("scenarios/claims/c03_benefit_kpi_calibration.yaml", root=root,
                      arms=("delivered", "delivered"), horizon="18 months",
                      title="C3: nothing delivered against the flagships delivered",
                      question=question,
                      kpis=("benefits_realised", "revenue_index_final", "ops_failure_share",
                            "ops_time_in_system_mean", "ops_arrival_rate"),
                      loops=("B1", "B2"))
    return replace(c3, as_is={"projects.portfolio": []},
                   knobs=(lever("sustainment", "opex"),),
                   labels=("nothing delivered", "the flagships delivered"),
                   series=("benefit_failure_reduction", "benefit_productivity",
                           "benefit_revenue"))


def _c4(root: Path | None) -> Lesson:
    return claim_lesson(
        "scenarios/claims/c04_opex_sustains_benefits.yaml", root=root, horizon="1 year",
        title="C4: nobody sustains the benefits against the OpEx team sustaining them",
        question="Once projects hand their benefits over, do the benefits last longer when "
                 "the OpEx team sustains them, and what does that cost the team's own "
                 "improvement work?",
        kpis=("benefits_realised", "capability_final", "ops_failure_share"),
        loops=("R1s", "R1"),
        knobs=(lever("sustainment", "opex"),
               setting("erosion", "benefits.erosion", "Erosion time (working days)",
                       "Time constant of the decay of a benefit nobody sustains (252 days "
                       "is a year).", "number", 252.0, 63.0, 756.0, 21.0, both=True),
               setting("sustain_effort", "benefits.sustain_effort",
                       "Upkeep per benefit (person-days a week)",
                       "Effort one benefit needs each week to be fully sustained.", "number",
                       0.5, 0.1, 3.0, 0.1, both=True)),
        series=("benefits_sustained", "benefit_failure_reduction", "capability"),
        windows=(("benefits_sustained", "9 months", "12 months", "higher"),))


def _c6(root: Path | None) -> Lesson:
    return claim_lesson(
        "scenarios/claims/c06_pmo_controls.yaml", root=root, horizon="1 year",
        title="C6: no PMO against a controlling PMO",
        question="Does a controlling PMO make delivery more consistent and catch problems "
                 "earlier than no PMO?",
        kpis=("projects_on_time_rate", "projects_completed", "maturity_final"),
        loops=("R3",), knobs=(lever("pmo", "controlling"),),
        series=("maturity", "projects_active"))


def _c7(root: Path | None) -> Lesson:
    c7 = claim_lesson(
        "scenarios/claims/c07_permanent_pmo.yaml", root=root, horizon="2 years",
        arms=("temporary", "permanent"),
        title="C7: a PMO that disbands against a permanent PMO",
        question="Does a PMO that stays leave the organisation more mature and its projects "
                 "more often on time than one that disbands?",
        kpis=("projects_completed", "project_slip_mean"), loops=("R3",),
        knobs=(setting("learning_rate", "pmo.learning_rate", "Learning per completed project",
                       "Share of the gap to maturity level 5 each completed project closes "
                       "while a PMO exists.", "number", 0.05, 0.0, 0.2, 0.01, both=True),
               setting("forgetting", "pmo.forgetting", "Forgetting time (working days)",
                       "Time constant of the decay of maturity without a PMO (504 days are "
                       "two years).", "number", 504.0, 63.0, 2520.0, 21.0, both=True)),
        series=("maturity",))
    return replace(c7, shared={**c7.shared, "warmup": "18 months"},
                   as_is={"levers.pmo.disband_at": "1 year"},
                   labels=("a PMO that disbands after a year", "a permanent PMO"))


def _c8(root: Path | None) -> Lesson:
    c8 = claim_lesson(
        "scenarios/claims/c08_lessons_learned.yaml", root=root, horizon="18 months",
        title="C8: no lessons learned against lessons learned",
        question="Do lessons learned make project delivery improve from one project to the "
                 "next?",
        kpis=("maturity_final", "projects_completed"), loops=("R3",),
        knobs=(setting("learning_rate", "pmo.learning_rate", "Learning per completed project",
                       "Share of the gap to maturity level 5 each completed project closes.",
                       "number", 0.05, 0.0, 0.2, 0.01),),
        series=("maturity",))
    return replace(c8, shared={**c8.shared, "warmup": "9 months"})


def _c9(root: Path | None) -> Lesson:
    c9 = claim_lesson(
        "scenarios/claims/c09_work_harder_smarter.yaml", root=root, arms=("steady", "harder"),
        horizon="18 months", title="C9: keep improving against working harder",
        question="When improvement time goes to the day job, does the day job get better "
                 "first and worse later?",
        kpis=("ops_time_in_system_mean", "capability_final", "hours_improvement_share"),
        loops=("WH", "R1"), knobs=(shift(0.0, "6 months", "the change"),),
        series=("time_in_system_mean", "capability"),
        windows=(("time_in_system_mean", "6 months", "8 months", "lower"),
                 ("time_in_system_mean", "12 months", "18 months", "higher")))
    return replace(c9, to_be={}, labels=("keep improving", "the change at month 6"))


def _c10(root: Path | None) -> Lesson:
    c10 = claim_lesson(
        "scenarios/claims/c10_firefighting_tipping_point.yaml", root=root,
        arms=("steady_328", "spike_328"), horizon="18 months",
        title="C10: a demand spike near the tipping point",
        question="Near the tipping point, does a temporary demand spike leave a lasting "
                 "backlog?",
        kpis=("ops_backlog_final", "ops_time_in_system_mean", "hours_diverted_share",
              "capability_final"),
        loops=("R4", "R1", "WH"),
        knobs=(spike(0.3, "6 months", "2 months"), lever("demand", 328.0, both=True)),
        series=("backlog", "pressure", "hours_diverted"),
        windows=(("backlog", "14 months", "18 months", "higher"),))
    return replace(c10, as_is={}, to_be={},
                   labels=("no spike", "a two-month spike"))


def _c5(root: Path | None) -> Lesson:
    return claim_lesson(
        "scenarios/claims/c05_systems_governance.yaml", root=root, horizon="1 year",
        title="C5: siloed against systems governance",
        question="Does managing projects, the day job and improvement as one system realise "
                 "more benefit and serve the day job better than managing each silo, with the "
                 "same staff?",
        kpis=("projects_completed", "benefits_sustained_final", "capability_final",
              "misalignment_mean"),
        loops=("R4", "R1s", "B4", "R2"),
        knobs=(lever("rewards", "outcome_based"), lever("sustainment", "opex"),
               lever("capacity_aware_intake", True)),
        series=("benefits_sustained", "service_level"))


LESSONS: dict[str, Callable[[Path | None], Lesson]] = {
    "baseline": _baseline, "shared-staff": _shared_staff, "C1": _c1, "C2": _c2, "C3": _c3,
    "C4": _c4, "C6": _c6, "C7": _c7, "C8": _c8, "C9": _c9, "C10": _c10, "C5": _c5,
}
"""Every lesson of the workshop, by key, in the order of the notebooks."""


def lesson(key: str, root: Path | None = None) -> Lesson:
    """Build the lesson ``key`` (claim files are read from the project folder ``root``)."""
    if key not in LESSONS:
        raise KeyError(f"no lesson {key!r}; lessons: {', '.join(LESSONS)}")
    return LESSONS[key](root)
