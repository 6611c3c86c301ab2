"""GIAS-shaped CSV files for tests and the benchmark in ``bench/gias``.

The header below is the establishment extract's own (``edubasealldata``), in its
own order, as DfE publishes it: 140 columns, of which the importer reads 18 by
name. Tests and the benchmark write files with it so they exercise the real shape
(extra columns, the importer's columns scattered among them) rather than a tidy
16-column file the importer would never meet.
"""

import csv
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

GIAS_HEADER = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)",
    "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (code)",
    "ReasonEstablishmentOpened (name)",
    "OpenDate",
    "ReasonEstablishmentClosed (code)",
    "ReasonEstablishmentClosed (name)",
    "CloseDate",
    "PhaseOfEducation (code)",
    "PhaseOfEducation (name)",
    "StatutoryLowAge",
    "StatutoryHighAge",
    "Boarders (code)",
    "Boarders (name)",
    "NurseryProvision (name)",
    "OfficialSixthForm (code)",
    "OfficialSixthForm (name)",
    "Gender (code)",
    "Gender (name)",
    "ReligiousCharacter (code)",
    "ReligiousCharacter (name)",
    "ReligiousEthos (name)",
    "Diocese (code)",
    "Diocese (name)",
    "AdmissionsPolicy (code)",
    "AdmissionsPolicy (name)",
    "SchoolCapacity",
    "SpecialClasses (code)",
    "SpecialClasses (name)",
    "CensusDate",
    "NumberOfPupils",
    "NumberOfBoys",
    "NumberOfGirls",
    "PercentageFSM",
    "TrustSchoolFlag (code)",
    "TrustSchoolFlag (name)",
    "Trusts (code)",
    "Trusts (name)",
    "SchoolSponsorFlag (name)",
    "SchoolSponsors (name)",
    "FederationFlag (name)",
    "Federations (code)",
    "Federations (name)",
    "UKPRN",
    "FEHEIdentifier",
    "FurtherEducationType (name)",
    "OfstedLastInsp",
    "OfstedSpecialMeasures (code)",
    "OfstedSpecialMeasures (name)",
    "LastChangedDate",
    "Street",
    "Locality",
    "Address3",
    "Town",
    "County (name)",
    "Postcode",
    "SchoolWebsite",
    "TelephoneNum",
    "HeadTitle (name)",
    "HeadFirstName",
    "HeadLastName",
    "HeadPreferredJobTitle",
    "BSOInspectorateName (name)",
    "InspectorateReport",
    "DateOfLastInspectionVisit",
    "NextInspectionVisit",
    "TeenMoth (name)",
    "TeenMothPlaces",
    "CCF (name)",
    "SENPRU (name)",
    "EBD (name)",
    "PlacesPRU",
    "FTProv (name)",
    "EdByOther (name)",
    "Section41Approved (name)",
    *[f"SEN{n} (name)" for n in range(1, 14)],
    "TypeOfResourcedProvision (name)",
    "ResourcedProvisionOnRoll",
    "ResourcedProvisionCapacity",
    "SenUnitOnRoll",
    "SenUnitCapacity",
    "GOR (code)",
    "GOR (name)",
    "DistrictAdministrative (code)",
    "DistrictAdministrative (name)",
    "AdministrativeWard (code)",
    "AdministrativeWard (name)",
    "ParliamentaryConstituency (code)",
    "ParliamentaryConstituency (name)",
    "UrbanRural (code)",
    "UrbanRural (name)",
    "GSSLACode (name)",
    "Easting",
    "Northing",
    "MSOA (name)",
    "LSOA (name)",
    "InspectorateName (name)",
    "SENStat",
    "SENNoStat",
    "BoardingEstablishment (name)",
    "PropsName",
    "PreviousLA (code)",
    "PreviousLA (name)",
    "PreviousEstablishmentNumber",
    "OfstedRating (name)",
    "RSCRegion (name)",
    "Country (name)",
    "UPRN",
    "SiteName",
    "QABName (code)",
    "QABName (name)",
    "EstablishmentAccredited (code)",
    "EstablishmentAccredited (name)",
    "QABReport",
    "CHNumber",
    "MSOA (code)",
    "LSOA (code)",
    "FSM",
    "AccreditationExpiryDate",
]

_FILLER = {
    "Gender (name)": "Mixed",
    "ReligiousCharacter (name)": "Does not apply",
    "AdmissionsPolicy (name)": "Not applicable",
    "Country (name)": "United Kingdom",
    "GOR (name)": "Yorkshire and the Humber",
    "UrbanRural (name)": "(A1) Urban major conurbation",
}


def gias_row(**values: str) -> list[str]:
    """Return one row in header order: ``values`` keyed by column name, filler elsewhere."""
    return [values.get(column, _FILLER.get(column, "")) for column in GIAS_HEADER]


def write_gias_csv(
    path: Path,
    rows: Iterable[list[str]],
    *,
    encoding: str = "cp1252",
    header: list[str] | None = None,
) -> Path:
    """Write ``rows`` under the GIAS header as the DfE does: CRLF lines, all quoted."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header or GIAS_HEADER)
        writer.writerows(rows)
    return path


# LA code, LA, town, postcode area, and the town centre's National Grid easting/northing.
_PLACES = [
    ("383", "Leeds", "Leeds", "LS", 430000, 433500),
    ("380", "Bradford", "Bradford", "BD", 416400, 433000),
    ("381", "Calderdale", "Halifax", "HX", 409300, 425200),
    ("382", "Kirklees", "Huddersfield", "HD", 414500, 416500),
    ("384", "Wakefield", "Wakefield", "WF", 433200, 420800),
]
_SAINTS = ["Mary", "Joseph", "Peter", "Anne", "Chad", "Wilfrid", "Hilda", "Aidan"]
_PLAIN = ["Brookside", "Hillcrest", "Moorland", "Riverside", "Oakfield", "Ashgrove", "Westfield"]


def synthetic_rows(count: int, *, first_urn: int = 100000, seed: int = 2026) -> Iterator[list[str]]:
    """Yield ``count`` plausible GIAS rows, every fifth named like "St Mary\u2019s" (a curly apostrophe)."""
    rng = random.Random(seed)
    for index in range(count):
        urn = first_urn + index
        la_code, la_name, town, area, easting, northing = _PLACES[index % len(_PLACES)]
        district = 1 + index % 30
        if index % 5 == 0:
            name = f"St {rng.choice(_SAINTS)}\u2019s Catholic Primary School"
        else:
            name = (
                f"{rng.choice(_PLAIN)} {rng.choice(['Primary', 'Infant', 'Junior'])} School {index}"
            )
        phase = "Primary" if index % 4 else "Secondary"
        yield gias_row(
            **{
                "URN": str(urn),
                "LA (code)": la_code,
                "LA (name)": la_name,
                "EstablishmentNumber": str(2000 + index % 8000),
                "EstablishmentName": name,
                "TypeOfEstablishment (name)": "Community school",
                "EstablishmentStatus (name)": "Open" if index % 50 else "Closed",
                "PhaseOfEducation (name)": phase,
                "OpenDate": f"{1 + index % 28:02d}-{1 + index % 12:02d}-19{50 + index % 50}",
                "Street": f"{1 + index % 300} School Lane",
                "Town": town,
                "Postcode": f"{area}{district} {index % 10}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}",
                # A district's schools cluster (each a few hundred metres apart) around
                # a point that moves out from the town centre as the district number grows.
                # Arithmetic, not ``rng``: the names and postcodes stay as they were.
                "Easting": str(easting + 700 * (district % 6) - 1750 + (index * 37) % 800 - 400),
                "Northing": str(northing + 700 * (district // 6) - 1400 + (index * 53) % 800 - 400),
                "HeadTitle (name)": rng.choice(["Mr", "Mrs", "Ms", "Dr"]),
                "HeadFirstName": rng.choice(["Sam", "Alex", "Priya", "Tom", "Aisha"]),
                "HeadLastName": rng.choice(["O\u2019Neill", "Smith", "Khan", "Brown"]),
                "NumberOfPupils": str(100 + index % 400),
            }
        )
