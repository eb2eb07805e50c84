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
# # 06 · Answers: systems thinking workshop

# %%
# %matplotlib inline
from IPython.display import Markdown, display

from sim.teaching import lessons, workshop

c5 = workshop.lesson("C5")

# %% [markdown]
# ## 1. Which lever?
#
# Each lever of the systems preset alone, the other two left as in the siloed AS-IS. The
# benefits row of each shows its share of the combined effect.

# %%
siloed = {"rewards": "operations_only", "sustainment": "none", "capacity_aware_intake": False}
for name, value in (("rewards", "outcome_based"), ("sustainment", "opex"),
                    ("capacity_aware_intake", True)):
    outcome = lessons.compare(c5, {**siloed, name: value})
    display(Markdown(f"### Only {name.replace('_', ' ')} changed"))
    display(lessons.table(outcome, ("benefits_realised", "benefits_sustained_final",
                                     "ops_service_level")))

# %% [markdown]
# ## 2. Your TO-BE
#
# One answer: sustain benefits with the OpEx team (against erosion, R1s), hold project starts
# while the desk is overloaded (B4) and protect part of project time (weakening R4). Check it
# against the AS-IS in the reading.

# %%
answer = """
extends: ../scenarios/claims/bases/busy_season.yaml
name: answer-to-be
levers:
  sustainment: opex
  capacity_aware_intake: true
  protected_time: 0.3
"""
outcome = lessons.compare_files("scenarios/claims/bases/busy_season.yaml",
                                 "notebooks/answer_to_be.yaml", text=answer)
display(Markdown(lessons.reading(outcome)))
