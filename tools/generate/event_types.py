"""The synthetic event catalog: a few hundred event types, each with its own shape.

Real producers emit a long tail of types (a handful are most of the traffic) named in
whatever convention their team liked (``user_created``, ``order.paid``,
``listing-viewed``), each with its own attributes and an owning service. The catalog is
derived from the seed only, so the same seed always names the same types with the same
fields and frequencies.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from itertools import accumulate

import orjson

NOUNS = [
    "user",
    "order",
    "listing",
    "payment",
    "invoice",
    "cart",
    "product",
    "session",
    "message",
    "conversation",
    "review",
    "favorite",
    "search",
    "impression",
    "shipment",
    "refund",
    "coupon",
    "subscription",
    "account",
    "profile",
    "address",
    "notification",
    "report",
    "ad",
    "bid",
    "offer",
    "wallet",
    "transfer",
    "device",
    "login",
    "password",
    "email",
    "phone",
    "image",
    "category",
    "store",
    "seller",
    "buyer",
    "rating",
    "ticket",
    "chat",
    "promotion",
    "experiment",
    "feature_flag",
    "basket",
]
VERBS = [
    "created",
    "updated",
    "deleted",
    "viewed",
    "clicked",
    "paid",
    "failed",
    "sent",
    "received",
    "opened",
    "closed",
    "approved",
    "rejected",
    "cancelled",
    "expired",
    "renewed",
    "started",
    "completed",
    "shared",
    "reported",
    "favorited",
    "unfavorited",
    "contacted",
    "published",
    "archived",
    "restored",
    "verified",
    "blocked",
    "flagged",
    "exported",
    "imported",
    "scheduled",
    "refunded",
    "shipped",
    "delivered",
]
NAMESPACES = ["billing", "growth", "search", "trust", "ads", "messaging", "catalog", "core"]
SERVICES = [
    "service_a",
    "service_b",
    "checkout-api",
    "listing-svc",
    "search-indexer",
    "payments",
    "notifier",
    "auth",
    "mobile-bff",
    "web-bff",
    "fraud-scorer",
    "ads-server",
]
FIRST_NAMES = ["John", "Ana", "Lucía", "Wei", "Olúwa", "Zoë", "Mateo", "Priya", "Søren", "Aiko"]
CURRENCIES = ["EUR", "USD", "GBP", "BRL", "JPY"]
PLATFORMS = ["ios", "android", "web", "api"]
FLAVOURS = ["vanilla", "chocolate", "pistachio", "lemon", "stracciatella"]

# Zipf exponent of type popularity: with 300 types the top type is ~20% of traffic and the
# rarest few appear a handful of times per million events, like a real product's tail.
ZIPF_EXPONENT = 1.1
PAYLOADS_PER_TYPE = 64


def _uuid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


# A field kind makes one value; a type picks a few field names, each bound to a kind.
FIELD_KINDS = {
    "user_id": _uuid,
    "item_id": _uuid,
    "session_id": lambda r: "%016x" % r.getrandbits(64),
    "name": lambda r: r.choice(FIRST_NAMES),
    "favourite_ice_cream": lambda r: r.choice(FLAVOURS),
    "amount": lambda r: round(r.uniform(0.5, 5000), 2),
    "currency": lambda r: r.choice(CURRENCIES),
    "quantity": lambda r: r.randint(1, 20),
    "position": lambda r: r.randint(0, 99),
    "is_first_time": lambda r: r.random() < 0.2,
    "platform": lambda r: r.choice(PLATFORMS),
    "query": lambda r: " ".join(r.choice(NOUNS) for _ in range(r.randint(1, 3))),
    "tags": lambda r: r.sample(FLAVOURS + PLATFORMS, r.randint(0, 3)),
    "score": lambda r: round(r.random(), 4),
    "reason": lambda r: r.choice([None, "timeout", "user_request", "fraud_suspected"]),
    "location": lambda r: {
        "lat": round(r.uniform(-60, 60), 5),
        "lon": round(r.uniform(-180, 180), 5),
    },
    "price": lambda r: {"amount": r.randint(100, 500000), "currency": r.choice(CURRENCIES)},
    "items": lambda r: [
        {
            "sku": "".join(r.choices(string.ascii_uppercase + string.digits, k=8)),
            "qty": r.randint(1, 4),
        }
        for _ in range(r.randint(1, 3))
    ],
}


@dataclass(frozen=True)
class EventType:
    name: str
    service: str
    schema_version: int
    meta_first: bool  # some producers serialize "meta" before "data": parsers must not care
    # Pre-serialized attribute objects (speed, with some variety), as str.format templates
    # with {user}/{item} slots for ids drawn per event.
    payloads: tuple[str, ...]
    numeric_user_id: bool = False  # its producer sends user_id as a number (lake: null)


@dataclass(frozen=True)
class Catalog:
    types: tuple[EventType, ...]
    cum_weights: tuple[float, ...]  # for random.choices: long-tailed popularity by rank


def _type_name(rng: random.Random, used: set[str]) -> str:
    while True:
        noun, verb = rng.choice(NOUNS), rng.choice(VERBS)
        sep = rng.choices(["_", ".", "-"], weights=[5, 3, 2])[0]
        name = f"{noun}{sep}{verb}".replace("_", sep)
        if rng.random() < 0.15:
            name = f"{rng.choice(NAMESPACES)}.{name}"
        if name in used:
            name = f"{name}{sep}v{len(used)}"  # always unique: len(used) only grows
        if name not in used:
            used.add(name)
            return name


# Ids drawn per event from a bounded population (id_population.py), not baked
# into the pre-serialized payloads: they become str.format slots.
ID_SLOTS = {"user_id": "user", "item_id": "item"}
USER_ID_SHARE = 0.85  # types that carry a user_id: most do, system events do not
NUMERIC_USER_ID_SHARE = 0.03  # a legacy producer sends user_id as a number (lake: null)
_SENTINEL = "\x00slot:"


def _template(payload: dict) -> str:
    """The payload's JSON with its id values as ``{user}``/``{item}`` slots, each to be
    filled with a JSON value (a quoted string, or a number)."""
    for name, slot in ID_SLOTS.items():
        if name in payload:
            payload[name] = f"{_SENTINEL}{slot}"
    text = orjson.dumps(payload).decode().replace("{", "{{").replace("}", "}}")
    for slot in ID_SLOTS.values():
        text = text.replace(f'"\\u0000slot:{slot}"', "{" + slot + "}")
    return text


def _payloads(rng: random.Random, shape_rng: random.Random) -> tuple[str, ...]:
    fields = rng.sample(sorted(FIELD_KINDS), rng.randint(2, 7))
    # A separate rng adds the user field, so the catalog's names and other fields stay
    # those a seed always produced.
    added = (
        {"user_id": None} if "user_id" not in fields and shape_rng.random() < USER_ID_SHARE else {}
    )
    return tuple(
        _template({**added, **{f: FIELD_KINDS[f](rng) for f in fields}})
        for _ in range(PAYLOADS_PER_TYPE)
    )


def build_catalog(types: int, seed: int) -> Catalog:
    """``types`` event types, stable for ``seed``, most popular first."""
    if types < 1:
        raise ValueError(f"--types must be at least 1, got {types}")
    rng = random.Random(f"catalog-{seed}")
    shape_rng = random.Random(f"catalog-users-{seed}")
    used: set[str] = set()
    catalog = tuple(
        EventType(
            name=_type_name(rng, used),
            service=rng.choice(SERVICES),
            schema_version=rng.randint(1, 4),
            meta_first=rng.random() < 0.1,
            payloads=_payloads(rng, shape_rng),
            numeric_user_id=shape_rng.random() < NUMERIC_USER_ID_SHARE,
        )
        for _ in range(types)
    )
    weights = [1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(types)]
    return Catalog(catalog, tuple(accumulate(weights)))


def random_uuid4(rng: random.Random) -> str:
    return _uuid(rng)
