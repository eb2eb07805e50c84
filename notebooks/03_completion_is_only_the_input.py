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
# # 03 · Completion is only the input
#
# **The question.** A project is finished: is its value delivered? Or does the day job still
# have to realise the benefits, and keep them alive?
#
# About 25 minutes, two claims to test. Each lesson first shows what the shipped claims run
# found, then lets the room re-run a small version of the experiment as a demonstration:
#
# - **C3** claims that delivered projects move operational KPIs by the figures practitioners
#   quote, in the time they quote (`scenarios/claims/c03_benefit_kpi_calibration.yaml`);
# - **C4** claims that project completion is merely the input to an improved operational system;
#   OpEx sustains the value (`scenarios/claims/c04_opex_sustains_benefits.yaml`).
#
# In the model a benefit handed over is realised gradually, and it erodes unless somebody
# spends upkeep time on it (sustainment).

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c3 = workshop.lesson("C3")
display(Markdown(lessons.about(c3)))

# %% [markdown]
# ## The loops
#
# - **B1, benefits relieve the day job**: completed projects cut demand, effort and defects,
#   which frees time for more projects;
# - **B2, limits to success**: revenue benefits bring customers, whose demand takes time away
#   from the projects that brought them.

# %%
lessons.loops(c3)

# %% [markdown]
# ## C3: nothing delivered against the flagships delivered
#
# The TO-BE delivers the baseline's three flagship projects, and the OpEx team sustains their
# benefits; the AS-IS has no projects at all. The table below it checks the claim's stated
# figures: the level each benefit reached at its stated time after handover.

# %%
outcome = lessons.compare(c3)
lessons.show(outcome, c3)
lessons.handover_checks(c3, outcome)

# %%
lessons.panel(c3)

# %% [markdown]
# ## C4: who keeps the benefits alive?

# %%
c4 = workshop.lesson("C4")
display(Markdown(lessons.about(c4)))
display(lessons.loops(c4))
outcome4 = lessons.compare(c4)
lessons.show(outcome4, c4)

# %%
lessons.panel(c4)

# %% [markdown]
# ## Exercises
#
# 1. **Nobody sustains.** In C3, set the sustainment owner to nobody. Do the stated figures
#    still hold at their stated times, and what happens afterwards?
# 2. **The cost of upkeep.** In C4, make upkeep per benefit six times larger. What happens to
#    operations capability, and why (look at where the OpEx team's hours go)?
#
# Answers: `03_completion_is_only_the_input_answers.ipynb`.
