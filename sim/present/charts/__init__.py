"""The charts, one module per kind; :mod:`sim.present.plots` gathers them."""
