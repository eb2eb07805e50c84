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
# # 02 · Rewards and misalignment
#
# **The question.** If reviews count only day-job results while projects borrow the day job's
# staff, do priorities clash, stress rise and projects slip? And do reviews that reward
# outcomes pay off for the whole organisation?
#
# About 30 minutes, two claims to test. Each lesson first shows what the shipped claims run
# found, then lets the room re-run a small version of the experiment as a demonstration:
#
# - **C1** claims that rewarding only operations while staffing projects from operations causes
#   misalignment (`scenarios/claims/c01_rewards_misalignment.yaml`);
# - **C2** claims that rewarding outcomes pays off for the whole organisation
#   (`scenarios/claims/c02_outcome_rewards.yaml`).
#
# Stress comes in two kinds that act differently. *Challenge* stress comes from overload: a
# little helps, more hurts. *Hindrance* stress comes from misalignment, being reviewed on one
# job while assigned to another: it only slows people down and drives them out.

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c1 = workshop.lesson("C1")
display(Markdown(lessons.about(c1)))

# %% [markdown]
# ## The loops
#
# - **R2, burnout**: overload and misalignment raise stress, stressed people are slower, and the
#   queue grows; through **R2a** stress also drives people out.
# - **R4, firefighting**: what reviews reward decides how much project time people divert when
#   the queue is long.

# %%
lessons.loops(c1)

# %% [markdown]
# ## C1: operations-only against balanced reviews

# %%
outcome = lessons.compare(c1)
lessons.show(outcome, c1)

# %% [markdown]
# Try it: the rewards scheme of the TO-BE, and how strongly misalignment turns into hindrance
# stress (this one changes both sides: it is a condition, not a lever).

# %%
lessons.panel(c1)

# %% [markdown]
# ## C2: outcome-based reviews

# %%
c2 = workshop.lesson("C2")
display(Markdown(lessons.about(c2)))
outcome2 = lessons.compare(c2)
lessons.show(outcome2, c2)

# %%
lessons.panel(c2)

# %% [markdown]
# ## Exercises
#
# 1. **No hindrance.** In C1, set the hindrance stress per unit of misalignment to zero. Which
#    part of the difference between the schemes is left, and which loop carries it?
# 2. **Project bonus.** In C2, try the project-bonus scheme. Is it closer to operations-only or
#    to outcome-based, on benefits and on the service level?
#
# Answers: `02_rewards_and_misalignment_answers.ipynb`.
