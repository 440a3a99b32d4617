"""The customers check that reads a published output back: what a reader of the masked
Parquet sees."""

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetCheckResult, AssetKey

from platform_assets.customers.validate import CustomerValidation
from resources.storage import StorageResource

CUSTOMERS_PARQUET = AssetKey("customers_parquet")


def parquet_check(
    storage: StorageResource, key: str, validation: CustomerValidation
) -> AssetCheckResult:
    """What a reader of the published file sees: hu25 names and no raw email anywhere."""
    filesystem, base = storage.arrow_filesystem()
    table = pq.read_table(f"{base}/{key}", filesystem=filesystem)
    emails = {r.email for r in validation.kept}
    cells_with_email = sum(
        1
        for column in table.columns
        if pa.types.is_string(column.type)
        for value in column.to_pylist()
        if value is not None and value.strip().lower() in emails
    )
    names = table.column("name").to_pylist()
    bad_names = sum(1 for n in names if n != "hu25" and not n.startswith("hu25 "))
    return AssetCheckResult(
        asset_key=CUSTOMERS_PARQUET,
        check_name="no_raw_email_and_hu25_names",
        passed=cells_with_email == 0 and bad_names == 0 and "email" not in table.column_names,
        metadata={"cells_with_raw_email": cells_with_email, "names_without_hu25": bad_names},
    )
