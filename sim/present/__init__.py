"""Presenting results: numbers, tables, charts, the headline and the report page.

``numbers`` (the one formatter and the "clear" decision), ``labels`` (measure words from
:data:`sim.core.measures.MEASURE_INFO`, budget words), ``data`` (what charts and report read;
the results-folder loader), ``tables`` (the printed comparison), ``charts/`` (one module per
chart kind) gathered by ``plots``; ``prose`` and ``sweep_prose`` (the headline), ``sections``
and ``page`` (the HTML), ``pdf``, gathered by ``report``; ``paramdoc`` (the generated parts of
docs/ODD.md, with ``paramdoc_notes`` and ``paramdoc_derived``)."""
