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
# # 04 · The PMO
#
# **The question.** What does a PMO add, and does it matter whether it stays?
#
# About 30 minutes, three claims to test. Each lesson first shows what the shipped claims run
# found, then lets the room re-run a small version of the experiment as a demonstration:
#
# - **C6** claims that a PMO's standards and monitoring make delivery consistent and catch
#   problems early (`scenarios/claims/c06_pmo_controls.yaml`);
# - **C7** claims that a permanent PMO builds project maturity, a temporary one leaves no
#   lasting effect (`scenarios/claims/c07_permanent_pmo.yaml`);
# - **C8** claims that lessons learned feed continuous improvement of project management
#   (`scenarios/claims/c08_lessons_learned.yaml`).
#
# PMO types: *supportive* (standards and monitoring), *controlling* (also stage gates),
# *directive* (also protects project time). Maturity, on a scale from one to five, grows with
# every completed project while a PMO exists and decays without one.

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c6 = workshop.lesson("C6")
display(Markdown(lessons.about(c6)))

# %% [markdown]
# ## The loop
#
# **R3, learning**: with a PMO, each completed project adds maturity; better estimates and
# less rework make the next projects finish sooner, so more of them complete.

# %%
lessons.loops(c6)

# %% [markdown]
# ## C6: no PMO against a controlling PMO

# %%
outcome = lessons.compare(c6)
lessons.show(outcome, c6)

# %%
lessons.panel(c6)

# %% [markdown]
# ## C7: temporary against permanent
#
# The summary KPIs count only the last part of the run (a warm-up excludes the rest), long
# after the temporary PMO has gone.

# %%
c7 = workshop.lesson("C7")
display(Markdown(lessons.about(c7)))
outcome7 = lessons.compare(c7)
lessons.show(outcome7, c7)

# %%
lessons.panel(c7)

# %% [markdown]
# ## C8: lessons learned

# %%
c8 = workshop.lesson("C8")
display(Markdown(lessons.about(c8)))
outcome8 = lessons.compare(c8)
lessons.show(outcome8, c8)

# %%
lessons.panel(c8)

# %% [markdown]
# ## Exercises
#
# 1. **Which PMO?** In C6, try each PMO type in turn. Which one gives the most projects on
#    time, and what does the directive PMO do to the day job?
# 2. **A long memory.** In C7, make forgetting five times slower. How much of the temporary
#    PMO's legacy is then left at the end?
#
# Answers: `04_the_pmo_answers.ipynb`.
