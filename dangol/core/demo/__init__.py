"""The seeded, reproducible demo business behind ``dangol demo``.

Modules, from low level to high: ``spec`` (size, seed, period, seasonal calendar),
``names`` (vocabularies), ``catalog``, ``people``, ``orders``, ``interactions`` (numpy
generators that never touch the database), ``users`` and ``writer`` (database), and
``build`` (the phases, called by the management command).
"""
