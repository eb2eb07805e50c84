"""The simulation model: one module per subsystem, wired by :mod:`sim.model.organisation`."""
