"""Word lists for realistic people and companies, in the style of the public samples
(Mockaroo persons, the customers-100 file): mostly ASCII, some accents and other scripts."""

from __future__ import annotations

import unicodedata

FIRST_NAMES = [
    "Melissa", "Darlleen", "Preston", "Sheryl", "Roy", "Linda", "Joanna", "Aimee", "Darren",
    "Brett", "Nadia", "Michael", "Fernando", "Kristine", "Chad", "Kathy", "Laura", "Harold",
    "Marcus", "Gail", "Ana", "Bruno", "Chloé", "Zoë", "Søren", "Łukasz", "José", "Ngozi",
    "Aiko", "Mei", "Rahul", "Fatima", "Olumide", "Ingrid", "Mateo", "Siobhan", "Dmitri",
    "Priya", "Hamish", "Renée", "Yusuf", "Camille", "Tomás", "Anneliese", "Kwame", "Liam",
]
LAST_NAMES = [
    "Pearch", "Nevitt", "Baxter", "Lozano", "Berry", "Dolan", "Davidson", "Ortega", "Barnes",
    "Greer", "O'Brien", "McDonald", "Silva", "Núñez", "Kowalski", "Müller", "Anderson-Lee",
    "Okafor", "Tanaka", "Chen", "Sharma", "Haddad", "Adeyemi", "Johansson", "García",
    "Ó Súilleabháin", "Petrov", "Iyer", "MacLeod", "Dubois", "Öztürk", "Mensah", "Murphy",
]
EMAIL_DOMAINS = [
    "bravesites.com", "state.gov", "smith.info", "colon.com", "example.org", "mail.co.uk",
    "posteo.de", "univ.edu", "fastmail.fm", "outlook.com", "gmx.net", "yahoo.co.jp",
]
GENDERS = [  # weights as in the Mockaroo sample (per 1000 rows)
    ("Male", 445), ("Female", 441), ("Polygender", 26), ("Bigender", 24),
    ("Genderqueer", 20), ("Agender", 17), ("Non-binary", 16), ("Genderfluid", 11),
]
COMPANY_WORDS = [
    "Rasmussen", "Vega", "Gentry", "Hobbs", "Stephenson", "Acme", "Northwind", "Blue Sky",
    "Granite", "Harbor", "Summit", "Pioneer", "Cedar", "Atlas", "Meridian", "Orchard",
]
COMPANY_SUFFIXES = ["Group", "Ltd", "PLC", "and Sons", "Inc", "LLC", "GmbH", "& Co"]
PLACES = [  # (city, country)
    ("East Leonard", "Chile"), ("East Jimmychester", "Djibouti"), ("Lisbon", "Portugal"),
    ("Osaka", "Japan"), ("Lagos", "Nigeria"), ("Kraków", "Poland"), ("Cork", "Ireland"),
    ("São Paulo", "Brazil"), ("Pune", "India"), ("Aarhus", "Denmark"), ("Austin", "United States"),
    ("Montréal", "Canada"), ("Izmir", "Turkey"), ("Accra", "Ghana"), ("Glasgow", "United Kingdom"),
]


def ascii_slug(text: str) -> str:
    """'Ó Súilleabháin' -> 'osuilleabhain': what an email local part is built from."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())
