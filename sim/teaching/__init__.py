"""Teaching: the studio's and the workshop notebooks' layer over the studies.

- :mod:`~sim.teaching.controls`: the one control type and the controls a person
  may move (levers, conditions, run settings);
- :mod:`~sim.teaching.whatif`: a base scenario, its TO-BE, and an AS-IS vs TO-BE
  comparison in plain words (what ``pmosim studio`` shows);
- :mod:`~sim.teaching.lessons`: workshop lessons, their runs, tables, readings,
  figures and panels;
- :mod:`~sim.teaching.workshop`: the workshop's lessons, one per module;
- :mod:`~sim.teaching.loops`: the model's feedback loops as data and their diagrams.

Comparisons are those of :mod:`sim.studies.comparison`, and KPI labels those of
:mod:`sim.kpis`. This package imports nothing by itself.
"""
