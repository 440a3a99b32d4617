"""One Dagster partition per landing customer file; the key is the file name."""

from dagster import DynamicPartitionsDefinition

from platform_assets.file_partitions import CUSTOMER_FILES, file_stem

CUSTOMER_LANDING_PREFIX = CUSTOMER_FILES.prefix
landing_key = CUSTOMER_FILES.landing_key
partition_for_key = CUSTOMER_FILES.partition_for_key
stem = file_stem

customer_files = DynamicPartitionsDefinition(name="customer_files")
