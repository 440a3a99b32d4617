"""The code location: every asset, check, sensor, job and resource of Sluice.

Load it with ``dagster dev -m platform_assets.definitions`` (attribute ``defs``).
Domains are listed in platform_assets/domains.py; the jobs declared in ``jobs/*.yaml``
(SLUICE_JOBS_DIR) are added here, so reloading the code location deploys them.
Resources read their settings from SLUICE_* environment variables when first used, so
the same definitions run on embedded defaults, against moto in tests, or on AWS.
"""

from dagster import Definitions

from platform_assets.cli_errors import install_cli_error_hook
from platform_assets.domains import domain_definitions
from platform_assets.executor import sluice_executor
from platform_assets.jobs.declared_jobs import declared_jobs_definitions


def _code_location() -> Definitions:
    # Built in a function: a second Definitions at module scope would make Dagster refuse
    # the module.
    domains = domain_definitions()
    return Definitions.merge(
        domains, declared_jobs_definitions(domains), Definitions(executor=sluice_executor)
    )


defs = _code_location()
install_cli_error_hook(defs)
