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
# # 00 · Start here: what the model is, and how to read it
#
# **The question.** An organisation asks the same people to run the day job (tickets, orders,
# support calls) and to deliver change projects. What does that do to the queue, to the
# projects and to the people, and what would change if demand rose?
#
# In this module (about 25 minutes) you will:
#
# 1. meet the model and its main feedback loops;
# 2. run the baseline organisation and read its KPIs and figures;
# 3. change one condition (demand) with the controls, press **Run**, and read the comparison.
#
# Every number below is computed when the notebook runs: nothing in the text is typed in.

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

lesson = workshop.lesson("baseline")
display(Markdown(lessons.about(lesson)))

# %% [markdown]
# ## The model in one picture
#
# The baseline (`scenarios/baseline.yaml`) is a mid-size service organisation. Day-job work
# arrives every day and waits in one queue. The same staff are borrowed part of their time by
# projects; finished projects hand benefits over to the day job (fewer support calls, less
# effort per item, more sales). Under pressure people put the day job first, as far as their
# reviews tell them to.
#
# The diagram shows the loops this module is about. An arrow marked **+** means "more of this
# gives more of that", **−** means "more gives less". A loop with an even number of **−** is
# *reinforcing* (it amplifies a change), an odd number makes it *balancing* (it pushes back).

# %%
lessons.loops(lesson)

# %% [markdown]
# ## Run the baseline and a change
#
# The cell below runs the baseline and the same organisation with more demand, with paired
# replications (replication *k* of both sees the same random arrivals and projects), and
# compares them. First, the baseline alone: each KPI's mean over the replications and its 95%
# confidence interval.

# %%
outcome = lessons.compare(lesson)
lessons.kpi_table(outcome)

# %% [markdown]
# ### Reading the figures
#
# Lines are the mean over replications, the bands the spread between the 5th and 95th
# percentiles. Look for: how full the queue is (items in system), whether projects keep
# finishing, and where the hours go.

# %%
for fig in lessons.run_figures(outcome):
    display(fig)

# %% [markdown]
# ### AS-IS against TO-BE
#
# The table compares the two side by side. *Change* is the mean paired difference, with its
# 95% confidence interval; the verdict says *better* or *worse* only when the interval
# excludes zero. The reading below the table is written from the same numbers.

# %%
lessons.show(outcome, lesson)

# %% [markdown]
# ## Your turn
#
# Move the controls and press **Run** (nothing runs while you move them). Each run compares
# the baseline with the organisation the controls describe.

# %%
lessons.panel(lesson)

# %% [markdown]
# ## Exercises
#
# 1. **Where is the edge?** Raise demand step by step. At what load does the service level
#    start to fall, and which KPI warns you first? Which loop in the diagram starts to act?
# 2. **Hire or not?** With demand raised, add operations staff until the service level is back.
#    What did the extra demand cost the projects before you hired?
#
# The answers are in `00_start_here_answers.ipynb`.
