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
# # 02 · Answers: rewards and misalignment

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c1 = workshop.lesson("C1")
c2 = workshop.lesson("C2")

# %% [markdown]
# ## 1. No hindrance
#
# With no hindrance stress, misalignment no longer slows anybody down (R2 loses its hindrance
# branch); what is left of the difference runs through diversion under pressure, the R4 loop.
# Compare the stress rows: only the challenge part can remain.

# %%
outcome = lessons.compare(c1, {"misalignment_gain": 0.0})
display(lessons.table(outcome, c1.kpis))
display(Markdown(lessons.reading(outcome, c1)))

# %% [markdown]
# ## 2. Project bonus
#
# The project bonus counts project work double, so people divert less of it than under
# operations-only reviews. Read the benefits and service-level rows against those of the
# outcome-based run above.

# %%
outcome = lessons.compare(c2, {"rewards": "project_bonus"})
display(Markdown(lessons.reading(outcome, c2)))
