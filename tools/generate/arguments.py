"""Command-line options every landing-file generator shares, and their one-line errors."""

from __future__ import annotations

import argparse
import re

from resources.storage import StorageResource

# A landing file name: one path element, no hidden or parent names (it becomes a storage key).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a share between 0 and 1, e.g. 0.05")
    return value


def count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return int(text)


def file_name(text: str) -> str:
    if not _NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a plain file name (letters, digits, '.', '_', '-'; no '/')"
        )
    return text


def parser(
    description: str, *, rows_flag: str, rows_default: int, share_default: float, name_default: str
) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        rows_flag,
        dest="rows",
        type=count,
        default=rows_default,
        metavar="N",
        help=f"records to write, clean and dirty together (default {rows_default})",
    )
    p.add_argument(
        "--dirty-share",
        type=share,
        default=share_default,
        metavar="SHARE",
        help="share of records that break a validation rule, cycling through every "
        f"kind the validator rejects (default {share_default})",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="random seed: the same seed and options write the same bytes (default 0)",
    )
    p.add_argument(
        "--name",
        type=file_name,
        default=name_default,
        metavar="NAME",
        help=f"file name without extension (default {name_default})",
    )
    p.add_argument(
        "--storage-url",
        default=None,
        metavar="URL",
        help="storage root: a path or s3://bucket/prefix "
        "(default $SLUICE_STORAGE_URL, else .sluice/storage in the repo)",
    )
    p.add_argument(
        "--s3-endpoint-url",
        default=None,
        metavar="URL",
        help="S3 endpoint for an s3:// root, e.g. moto (default $SLUICE_S3_ENDPOINT_URL)",
    )
    return p


def storage_from(args: argparse.Namespace) -> StorageResource:
    return StorageResource(url=args.storage_url, s3_endpoint_url=args.s3_endpoint_url)
