"""Question banks in and out: GIFT (Moodle) and QTI 3.0 content packages.

The format-level code lives here (file writers and readers, the QTI package and
its manifest); what each item type becomes in a format, and how it is read back,
is that type's own hooks in ``cpd/items/<type>.py``. Nothing here asks which type
an item is.
"""
