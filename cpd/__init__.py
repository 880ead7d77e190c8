"""Reality Check CPD: the engine.

This package never imports Streamlit (except in ``cpd.ui``), so the CLI, the
pages, the analytics and the tests all share one core.
"""

__version__ = "0.1.0"
