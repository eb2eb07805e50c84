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
# # 03 · Answers: completion is only the input

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c3 = workshop.lesson("C3")
c4 = workshop.lesson("C4")

# %% [markdown]
# ## 1. Nobody sustains
#
# Realisation is the same: a benefit approaches its magnitude after handover whoever sustains
# it, so the early figures can still hold; but from the first day erosion pulls it back, so a
# level read later is lower than the stated one. The handover table shows the levels reached.

# %%
outcome = lessons.compare(c3, {"sustainment": "none"})
display(lessons.handover_checks(c3, outcome))
display(Markdown(lessons.reading(outcome, c3)))

# %% [markdown]
# ## 2. The cost of upkeep
#
# Sustainment comes out of the OpEx team's improvement time: the more upkeep each benefit
# needs, the less capability they build, and the capability row moves down.

# %%
outcome = lessons.compare(c4, {"sustain_effort": 3.0})
display(lessons.table(outcome, c4.kpis))
display(Markdown(lessons.reading(outcome, c4)))
