"""Persons (seed 000): person CSV files -> person / person_ip / gender in Postgres."""
