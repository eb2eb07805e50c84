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
# # 06 · Systems thinking workshop
#
# **The question.** Does managing the PMO and OpEx as one system beat optimising each silo?
# And what would *your* TO-BE look like?
#
# About 30 minutes: first claim **C5** (`scenarios/claims/c05_systems_governance.yaml`), then
# an exercise in which you write your own TO-BE scenario file and compare it with the AS-IS.
# The C5 lesson shows what the shipped claims run found, then lets the room re-run a small
# version of the experiment as a demonstration.
#
# *Siloed* governance: reviews count the day job only, nobody sustains benefits, intake ignores
# the load on operations. *Systems* governance: outcome-based reviews, the OpEx team sustains
# benefits, and project starts wait while the desk is overloaded.

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c5 = workshop.lesson("C5")
display(Markdown(lessons.about(c5)))

# %% [markdown]
# ## The loops
#
# Systems governance acts on several loops at once: it weakens firefighting (**R4**) and the
# erosion of unsustained benefits (**R1s**), adds a balancing loop on intake (**B4**) and removes
# the misalignment behind burnout (**R2**).

# %%
lessons.loops(c5)

# %% [markdown]
# ## C5: siloed against systems

# %%
outcome = lessons.compare(c5)
lessons.show(outcome, c5)

# %% [markdown]
# The systems preset is three levers; the controls change them one at a time, so you can find
# which of them does the work.

# %%
lessons.panel(c5)

# %% [markdown]
# ## Exercise: build your own TO-BE
#
# A TO-BE file states only what changes: it `extends` the AS-IS and sets the levers you choose
# (the keys are those of `docs/scenarios.md`). Edit the text below, then run the cell: it
# checks the file as `pmosim validate` would and compares it with the AS-IS, the busy-season
# organisation. To keep it, save the text as a file beside this notebook and run
# `pmosim compare scenarios/claims/bases/busy_season.yaml notebooks/my_to_be.yaml`.

# %%
my_to_be = """
extends: ../scenarios/claims/bases/busy_season.yaml
name: my-to-be
levers:
  wip_limit: 3
  sustainment: opex
"""
mine = lessons.compare_files("scenarios/claims/bases/busy_season.yaml",
                              "notebooks/my_to_be.yaml", text=my_to_be)
display(Markdown("\n".join(f"- {line}" for line in mine.differences())))
lessons.show(mine)

# %% [markdown]
# ## Exercises
#
# 1. **Which lever?** In C5, switch the levers of the systems preset on one at a time. Which
#    one carries most of the benefit difference?
# 2. **Your TO-BE.** Write a TO-BE that beats the AS-IS on realised benefits without making the
#    service level worse. Which loops did you act on?
#
# Answers: `06_systems_thinking_workshop_answers.ipynb`.
