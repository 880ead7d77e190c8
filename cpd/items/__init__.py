"""Item types: one module per type, listed in ``cpd.items.registry``."""
