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
# # 05 · Answers: firefighting

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c10 = workshop.lesson("C10")
c9 = workshop.lesson("C9")

# %% [markdown]
# ## 1. Low load
#
# At the baseline's load the same spike pushes the desk over its limit while it lasts, but
# there is enough slack to work the backlog off afterwards: the late backlog difference is
# small or unclear, where near the threshold it was large.

# %%
outcome = lessons.compare(c10, {"demand": 300.0})
display(Markdown(lessons.reading(outcome, c10)))
display(lessons.figure(outcome, c10))

# %% [markdown]
# ## 2. Work smarter
#
# More improvement time takes hands off the queue at once, and capability, which lands at the
# end of each improvement cycle, pays back later. Compare the two windows of the reading.

# %%
outcome = lessons.compare(c9, {"shift": 0.2})
display(Markdown(lessons.reading(outcome, c9)))
