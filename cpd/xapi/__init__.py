"""xAPI (Experience API) learning records: statements built by pure functions, delivered through the outbox.

``statements`` builds each statement from plain values (no database, no
clock); ``records`` reads an attempt's rows and turns them into statements
(the same code for live delivery and ``python -m cpd xapi export``);
``hooks`` is what ``cpd.attempts`` calls inside its transactions; ``delivery``
is the outbox handler that PUTs a statement to the LRS by its id, so a
statement re-sent after an outage is stored once.
"""
