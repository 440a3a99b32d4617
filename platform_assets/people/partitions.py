"""One Dagster partition per landing person file; the key is the file name."""

from dagster import DynamicPartitionsDefinition

from platform_assets.file_partitions import PERSON_FILES

PERSON_LANDING_PREFIX = PERSON_FILES.prefix
landing_key = PERSON_FILES.landing_key
partition_for_key = PERSON_FILES.partition_for_key

person_files = DynamicPartitionsDefinition(name="person_files")
