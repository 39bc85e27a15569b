"""Closed vocabularies used by validation and field-aware decoding."""

# A 10-digit phone number is a North American one: its area code starts 2-9 (no area
# code starts with 0 or 1) and has no 9 in the middle (N9X codes are kept for expansion).
# The validator checks the first digit; the comb decoder also the second, and no N11
# service code (411, 911). Only the area code: the exchange's own rule does not hold for
# every number people write (and the bench's filler draws it freely).
AREA_FIRST = "23456789"
AREA_SECOND = "012345678"

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)
