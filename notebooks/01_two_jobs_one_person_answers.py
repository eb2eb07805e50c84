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
# # 01 · Answers: two jobs, one person

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

lesson = workshop.lesson("shared-staff")

# %% [markdown]
# ## 1. Lighter assignments
#
# With less of each day on projects, more of it is on the queue, so pressure passes its limit
# less often and less time is diverted: the work-harder loop (WH) has less to do. Projects get
# fewer hours a day, so each takes longer. Read the diversion, service-level and slip rows to
# see the trade.

# %%
outcome = lessons.compare(lesson, {"allocation": 0.3, "protected_time": 0.0})
lessons.show(outcome, lesson)

# %% [markdown]
# ## 2. Fewer, faster
#
# With fewer projects in progress, fewer people are borrowed at once, so the desk has more
# hands and diverts less; each project has its team's full attention. Whether more projects
# finish within the horizon depends on how long the funnel waits: read the completions row.

# %%
outcome = lessons.compare(lesson, {"protected_time": 0.0, "wip_limit": 2})
display(Markdown(lessons.reading(outcome, lesson)))
