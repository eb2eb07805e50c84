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
# # 00 · Answers: start here
#
# The answers run the experiments; read the numbers from the tables they print.

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

lesson = workshop.lesson("baseline")

# %% [markdown]
# ## 1. Where is the edge?
#
# Three loads above the baseline's. Watch utilisation climb first: the service level holds
# until the desk runs close to full, then drops quickly, and diversion (the work-harder loop,
# WH) starts as soon as pressure passes its limit. The reading of each run says which KPIs
# moved clearly.

# %%
for demand in (320.0, 350.0, 380.0):
    outcome = lessons.compare(lesson, {"demand": demand})
    display(Markdown(f"### Demand {demand:g} items a day"))
    display(lessons.table(outcome, ("ops_utilisation", "ops_service_level",
                                     "hours_diverted_share", "projects_completed")))

# %% [markdown]
# ## 2. Hire or not?
#
# The same extra demand with and without extra staff. Without them, projects lose time to the
# day job (diversion) and finish later; with them, both recover. The comparison is against
# the baseline in both cases.

# %%
for headcount in (120, 135):
    outcome = lessons.compare(lesson, {"demand": 350.0, "operations_headcount": headcount})
    display(Markdown(f"### Demand raised, {headcount} operations staff"))
    display(Markdown(lessons.reading(outcome, lesson)))
