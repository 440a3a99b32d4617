"""Sensors and schedules: they turn new landing data into runs."""
