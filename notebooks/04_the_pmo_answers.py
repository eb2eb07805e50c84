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
# # 04 · Answers: the PMO

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c6 = workshop.lesson("C6")
c7 = workshop.lesson("C7")

# %% [markdown]
# ## 1. Which PMO?
#
# Each type against no PMO. The directive PMO also protects project time, so people divert
# less of it to the queue: read its service-level and diversion rows.

# %%
for pmo in ("supportive", "controlling", "directive"):
    outcome = lessons.compare(c6, {"pmo": pmo})
    display(Markdown(f"### {pmo.capitalize()} PMO against no PMO"))
    display(lessons.table(outcome, ("projects_on_time_rate", "project_slip_mean",
                                     "ops_service_level", "hours_diverted_share")))

# %% [markdown]
# ## 2. A long memory
#
# With slower forgetting the maturity the temporary PMO built decays more slowly after it
# disbands, so the gap to the permanent PMO at the end narrows.

# %%
outcome = lessons.compare(c7, {"forgetting": 2520.0})
display(Markdown(lessons.reading(outcome, c7)))
