# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Two jobs, one person
#
# **The question.** When the same people run the day job and the projects, how much of their
# time should a project take, and how many projects should run at once?
#
# About 25 minutes. You will see shared staff from both sides: every project in progress takes
# its team's allocation out of the day job; a person on several projects juggles several work
# streams and loses efficiency; and when the queue is over its limit people divert project time
# back to the day job, as far as their reviews tell them to.

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

lesson = workshop.lesson("shared-staff")
display(Markdown(lessons.about(lesson)))

# %% [markdown]
# ## The loops
#
# - **WH, work harder**: pressure makes people divert project time to the queue, which brings
#   pressure down within days: the quick fix.
# - **B4, capacity-aware intake**: holding project starts while the desk is overloaded leaves
#   more people on duty.
# - **R4, firefighting**: the cost of the quick fix arrives later, as fewer projects finish and
#   fewer benefits relieve the day job.

# %%
lessons.loops(lesson)

# %% [markdown]
# ## AS-IS against TO-BE
#
# The base is the baseline organisation with a busy season (demand swings over the year and
# pushes the desk past its service-level limit at the peak). Both borrow people half their
# time per project; the TO-BE protects half of project time, so nobody may divert it to the
# queue at the peak.

# %%
outcome = lessons.compare(lesson)
lessons.show(outcome, lesson)

# %% [markdown]
# ## Your turn
#
# Allocation, the WIP limit, how strongly the queue pulls people's time (a condition: it
# changes both sides), and protected time (the share of project time nobody may divert).
# Press **Run** to compare.

# %%
lessons.panel(lesson)

# %% [markdown]
# ## Exercises
#
# 1. **Lighter assignments.** Remove the protection and lower the allocation instead, so that
#    each project takes less of a person's day. What happens to diversion, to the projects and
#    to the queue at the peak? Which loop is weaker now, and why?
# 2. **Fewer, faster.** Lower the WIP limit to two. Do fewer projects in progress finish more
#    projects, or fewer?
#
# Answers: `01_two_jobs_one_person_answers.ipynb`.
