"""Content: models, loading and validation of modules and cases."""
