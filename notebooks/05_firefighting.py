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
# # 05 · Firefighting
#
# **The question.** Why do some organisations never get out of firefighting, even after the
# fire is out? And is it better to work harder or to work smarter?
#
# About 30 minutes, two claims to test. Each lesson first shows what the shipped claims run
# found, then lets the room re-run a small version of the experiment as a demonstration:
#
# - **C10** claims that firefighting has a tipping point; a temporary demand spike near the
#   threshold causes a permanent decline
#   (`scenarios/claims/c10_firefighting_tipping_point.yaml`);
# - **C9** claims that working harder is better before worse, working smarter worse before
#   better (`scenarios/claims/c09_work_harder_smarter.yaml`).

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c10 = workshop.lesson("C10")
display(Markdown(lessons.about(c10)))

# %% [markdown]
# ## The loops
#
# Diversion first works (**WH**: more hands on the queue), while its costs arrive later
# (**R1**: capability erodes; **R4**: fewer projects, fewer benefits). Near the threshold a
# spike can push pressure above its limit long enough for the reinforcing loops to take over.

# %%
lessons.loops(c10)

# %% [markdown]
# ## C10: a demand pulse near the tipping point
#
# Both sides run the same load near the threshold; the TO-BE gets a temporary spike of demand.
# Watch the backlog after the spike has ended.

# %%
outcome = lessons.compare(c10)
lessons.show(outcome, c10)

# %% [markdown]
# Try it: the size of the spike, and the load both sides run at.

# %%
lessons.panel(c10)

# %% [markdown]
# ## C9: work harder against work smarter
#
# A busy desk that keeps part of its day-job time for improvement. At month six the TO-BE
# changes its improvement share: to zero by default (working harder); set it above the base's
# share to work smarter. The reading compares the months just after the change with the
# last months of the run.

# %%
c9 = workshop.lesson("C9")
display(Markdown(lessons.about(c9)))
display(lessons.loops(c9))
outcome9 = lessons.compare(c9)
lessons.show(outcome9, c9)

# %%
lessons.panel(c9)

# %% [markdown]
# ## Exercises
#
# 1. **Low load.** In C10, lower the load to the baseline's demand and keep the spike. Does the
#    desk recover after the spike?
# 2. **Work smarter.** In C9, double the improvement share instead of cutting it. Is it worse
#    before better?
#
# Answers: `05_firefighting_answers.ipynb`.
