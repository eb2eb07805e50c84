"""Studies built on the pure core: replications, comparisons, claims and sweeps.

Each study runs :func:`sim.run` many times (in this process, a local pool of
worker processes or a Dask cluster, see :mod:`sim.studies.executors`) and
computes its numbers; writing them to result folders is :mod:`sim.reports`'s
job. This package imports nothing on its own, so that a worker process
(:mod:`sim.studies.workers`) starts with the model only.
"""
