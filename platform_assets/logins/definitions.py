"""Everything the logins domain adds to the code location (resources come from the top)."""

from dagster import Definitions

from platform_assets.logins.assets import raw_logins, user_logins
from platform_assets.logins.sensors import (
    drain_login_queue_job,
    load_user_logins_job,
    login_files_sensor,
    login_queue_sensor,
)

logins_defs = Definitions(
    assets=[raw_logins, user_logins],
    sensors=[login_queue_sensor, login_files_sensor],
    jobs=[drain_login_queue_job, load_user_logins_job],
)
