"""The lake catalog: a DuckDB database of views over the storage root (the Glue crawler's job)."""
