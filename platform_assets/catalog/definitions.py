"""Everything the catalog contributes to the code location (resources live above)."""

from dagster import Definitions

from platform_assets.catalog.assets import lake_catalog

catalog_defs = Definitions(assets=[lake_catalog])
