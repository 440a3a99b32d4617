"""Customers (seed 003): customer CSV -> cleaned CSV, byte-identical backup, masked Parquet."""
