"""Logins (seed 004): SQS login messages -> archive -> masked ``user_logins`` in Postgres."""
