"""Citizens (CRM contacts) and staff logins of a commune.

One pool of citizens per commune feeds every source (CRM contacts, bookings, callers, portal
logins) so that the same person links across systems through the national register number, as
in the real city. Names mix the origins of Brussels' population (about 180 nationalities).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from pipelines.demo.randomness import guids

# (weight, male first names, female first names, surnames) per origin.
_ORIGINS: tuple[tuple[float, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        0.27,  # Belgian, French-speaking
        (
            "Jean",
            "Michel",
            "Philippe",
            "Pierre",
            "Luc",
            "Marc",
            "François",
            "Olivier",
            "Nicolas",
            "Thomas",
            "Julien",
            "Sébastien",
            "Jérôme",
            "Noël",
            "Gérard",
            "André",
            "Benoît",
            "Hugo",
            "Louis",
            "Arthur",
            "Maxime",
            "Cédric",
            "Loïc",
            "Théo",
            "Raphaël",
        ),
        (
            "Marie",
            "Anne",
            "Hélène",
            "Isabelle",
            "Nathalie",
            "Catherine",
            "Françoise",
            "Sophie",
            "Julie",
            "Céline",
            "Chloé",
            "Léa",
            "Zoë",
            "Anaïs",
            "Camille",
            "Élodie",
            "Geneviève",
            "Véronique",
            "Laurence",
            "Manon",
            "Inès",
            "Charlotte",
            "Agnès",
            "Amélie",
            "Noémie",
        ),
        (
            "Dubois",
            "Lambert",
            "Dupont",
            "Martin",
            "Simon",
            "Laurent",
            "Leclercq",
            "Lejeune",
            "Renard",
            "Dumont",
            "Lemaire",
            "Collard",
            "François",
            "Gérard",
            "Denis",
            "Masson",
            "Fontaine",
            "Hubert",
            "Delvaux",
            "Lefèvre",
            "Desmet",
            "Piron",
            "Thiry",
            "Léonard",
            "Dubuisson",
            "Mathieu",
            "Noël",
            "Étienne",
            "De Wilde",
            "Dethier",
        ),
    ),
    (
        0.14,  # Belgian, Dutch-speaking
        (
            "Jan",
            "Pieter",
            "Koen",
            "Bart",
            "Tom",
            "Wouter",
            "Stijn",
            "Joris",
            "Lars",
            "Wim",
            "Dirk",
            "Geert",
            "Jef",
            "Sander",
            "Jonas",
            "Lieven",
            "Tijs",
            "Ruben",
            "Ward",
            "Seppe",
        ),
        (
            "An",
            "Els",
            "Katrien",
            "Sofie",
            "Lies",
            "Inge",
            "Hilde",
            "Griet",
            "Annelies",
            "Lotte",
            "Marieke",
            "Eva",
            "Hanne",
            "Fien",
            "Nele",
            "Saar",
            "Joke",
            "Lien",
            "Ine",
            "Ilse",
        ),
        (
            "Peeters",
            "Janssens",
            "Maes",
            "Jacobs",
            "Mertens",
            "Willems",
            "Claes",
            "Goossens",
            "Wouters",
            "De Smet",
            "Van den Broeck",
            "Vermeulen",
            "Van Damme",
            "Verhoeven",
            "De Clercq",
            "Van de Velde",
            "Hermans",
            "Aerts",
            "Pauwels",
            "Vandenberghe",
            "Dewaele",
            "Van Acker",
            "Cools",
            "Smets",
            "Van Hoof",
            "De Backer",
            "Verstraeten",
            "Van Looy",
        ),
    ),
    (
        0.17,  # Moroccan
        (
            "Mohamed",
            "Ahmed",
            "Youssef",
            "Karim",
            "Rachid",
            "Mustapha",
            "Hamza",
            "Ayoub",
            "Bilal",
            "Mehdi",
            "Samir",
            "Anas",
            "Ilyas",
            "Omar",
            "Adam",
            "Zakaria",
            "Said",
            "Nabil",
            "Soufiane",
            "Yassine",
        ),
        (
            "Fatima",
            "Khadija",
            "Samira",
            "Nadia",
            "Naïma",
            "Salma",
            "Sara",
            "Imane",
            "Yasmina",
            "Malika",
            "Houda",
            "Kawtar",
            "Rania",
            "Aya",
            "Hajar",
            "Loubna",
            "Siham",
            "Meryem",
            "Najat",
            "Zineb",
        ),
        (
            "El Amrani",
            "Benali",
            "El Idrissi",
            "Bouzid",
            "Amrani",
            "Ait Ouali",
            "El Khattabi",
            "Bennani",
            "Ouazzani",
            "Tahiri",
            "El Moussaoui",
            "Chaoui",
            "Haddouchi",
            "Azzouzi",
            "Boukhari",
            "El Hamdaoui",
            "Lahlou",
            "Berrada",
            "Zerouali",
            "Ait Said",
            "El Ouardi",
            "Mouhib",
        ),
    ),
    (
        0.04,  # Turkish
        ("Mehmet", "Mustafa", "Emre", "Burak", "Kerem", "Yusuf", "Hakan", "Serkan", "Murat", "Oğuz"),
        ("Ayşe", "Elif", "Zeynep", "Fatma", "Emine", "Büşra", "Merve", "Özlem", "Gül", "Derya"),
        ("Yılmaz", "Demir", "Kaya", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan", "Doğan", "Koç", "Kılıç"),
    ),
    (
        0.06,  # French
        ("Antoine", "Guillaume", "Romain", "Clément", "Aurélien", "Mathéo", "Quentin", "Étienne"),
        ("Margaux", "Pauline", "Justine", "Mathilde", "Océane", "Clémence", "Aurélie", "Gaëlle"),
        (
            "Moreau",
            "Girard",
            "Bonnet",
            "Rousseau",
            "Fournier",
            "Chevalier",
            "Garnier",
            "Faure",
            "Mercier",
            "Boyer",
            "Bérenger",
        ),
    ),
    (
        0.05,  # Italian
        ("Giuseppe", "Marco", "Luca", "Alessandro", "Francesco", "Matteo", "Salvatore", "Giovanni"),
        ("Giulia", "Francesca", "Chiara", "Maria", "Alessia", "Valentina", "Sara", "Elena"),
        (
            "Rossi",
            "Russo",
            "Esposito",
            "Romano",
            "Ricci",
            "Bruno",
            "Greco",
            "Conti",
            "Di Stefano",
            "D'Amico",
            "Lombardi",
            "Mancini",
        ),
    ),
    (
        0.03,  # Spanish
        ("José", "Antonio", "Manuel", "Javier", "Sergio", "Álvaro", "Iñigo"),
        ("Lucía", "Carmen", "María José", "Ana", "Paula", "Inés", "Begoña"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Núñez", "Jiménez"),
    ),
    (
        0.03,  # Portuguese
        ("João", "Rui", "Tiago", "Nuno", "Gonçalo", "Luís"),
        ("Ana", "Inês", "Beatriz", "Joana", "Conceição", "Mariana"),
        ("Silva", "Santos", "Ferreira", "Gonçalves", "Pereira", "Rodrigues", "Carvalho", "Simões"),
    ),
    (
        0.04,  # Polish
        ("Piotr", "Krzysztof", "Tomasz", "Paweł", "Łukasz", "Michał"),
        ("Agnieszka", "Katarzyna", "Małgorzata", "Joanna", "Magdalena", "Ewa"),
        ("Nowak", "Kowalczyk", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"),
    ),
    (
        0.05,  # Romanian
        ("Andrei", "Ion", "Mihai", "Alexandru", "Florin", "Ștefan"),
        ("Elena", "Ioana", "Andreea", "Mihaela", "Cristina", "Alina"),
        ("Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Constantinescu", "Munteanu", "Țurcanu"),
    ),
    (
        0.06,  # Congolese and Central African
        ("Jean-Pierre", "Patrick", "Christian", "Serge", "Junior", "Trésor", "Fiston", "Papy", "Héritier"),
        ("Grâce", "Nadège", "Divine", "Merveille", "Esther", "Ruth", "Béatrice", "Solange", "Clarisse"),
        (
            "Mbuyi",
            "Kabongo",
            "Tshibangu",
            "Mukendi",
            "Ilunga",
            "Kalala",
            "Lukusa",
            "Mputu",
            "Nkulu",
            "Kasongo",
            "Mulumba",
            "Ngoy",
        ),
    ),
    (
        0.06,  # other Europeans and the rest of the world
        ("David", "Daniel", "James", "Lukas", "Nikos", "Dimitri", "Ali", "Amadou", "Raj", "Wei", "Sven", "Jürgen"),
        ("Emma", "Laura", "Anna", "Sofia", "Eleni", "Aminata", "Priya", "Mei", "Ingrid", "Björk", "Hannah"),
        (
            "Smith",
            "Müller",
            "Schneider",
            "Papadopoulos",
            "Diallo",
            "Traoré",
            "Ndiaye",
            "Nguyen",
            "Chen",
            "Kumar",
            "Johansson",
            "O'Brien",
            "Fischer",
            "Kovács",
        ),
    ),
)
_EMAIL_DOMAINS = np.array(
    [
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "skynet.be",
        "telenet.be",
        "proximus.be",
        "yahoo.fr",
        "hotmail.be",
        "icloud.com",
        "live.be",
    ]
)
_EMAIL_DOMAIN_WEIGHTS = np.array([0.38, 0.16, 0.10, 0.07, 0.07, 0.05, 0.05, 0.05, 0.04, 0.03])
_MOBILE_PREFIXES = np.array(
    [
        460,
        465,
        466,
        467,
        468,
        470,
        471,
        472,
        473,
        474,
        475,
        476,
        477,
        478,
        479,
        484,
        485,
        486,
        487,
        488,
        489,
        490,
        491,
        492,
        493,
        494,
        495,
        496,
        497,
        498,
        499,
    ]
)
_TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae"})


def ascii_fold(text: str) -> str:
    """'Hélène Łukasz' -> 'Helene Lukasz' (for e-mail addresses and logins)."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _login_part(text: str) -> str:
    return "".join(ch for ch in ascii_fold(text).lower() if ch.isalnum())


@dataclass
class Citizens:
    """The contact pool: one row per citizen, columns as numpy arrays (index = citizen number)."""

    contactid: list[str]
    firstname: np.ndarray
    lastname: np.ndarray
    email: np.ndarray  # "" when none
    phone_e164: np.ndarray  # "+32475123456", "" when none
    nrn: np.ndarray  # 11 digits, "" when none
    language: np.ndarray  # fr, nl, en
    activity: np.ndarray  # relative propensity to contact the administration
    login_method: np.ndarray  # preferred portal login method

    def __len__(self) -> int:
        return len(self.contactid)

    @property
    def fullname(self) -> np.ndarray:
        return np.char.add(np.char.add(self.firstname, " "), self.lastname)


def nrn_check(first9: np.ndarray, born_2000_or_later: np.ndarray) -> np.ndarray:
    """Check digits of Belgian national register numbers: 97 - (first nine digits mod 97).

    For births from 2000 on, a 2 is put before the nine digits first.
    """
    base = np.asarray(first9, dtype=np.int64) + np.where(born_2000_or_later, 2_000_000_000, 0)
    return 97 - base % 97


def format_nrn(nrn11: np.ndarray) -> np.ndarray:
    """'85073003328' -> '85.07.30-033.28', the way the CRM stores it."""
    s = np.asarray(nrn11, dtype="<U11")
    out = np.full(s.shape, "", dtype="<U15")
    has = s != ""
    v = s[has].view("<U1").reshape(-1, 11)
    dot, dash = np.full((len(v), 1), "."), np.full((len(v), 1), "-")
    pieces = [v[:, 0:2], dot, v[:, 2:4], dot, v[:, 4:6], dash, v[:, 6:9], dot, v[:, 9:11]]
    parts = np.concatenate(pieces, axis=1)
    out[has] = parts.astype("<U1").view("<U15").reshape(-1)
    return out


def make_citizens(rng: np.random.Generator, n: int, reference_day: date) -> Citizens:
    """n citizens with realistic names, birth dates, register numbers, phones and e-mails."""
    weights = np.array([o[0] for o in _ORIGINS])
    weights = weights / weights.sum()
    origin = rng.choice(len(_ORIGINS), size=n, p=weights)
    # Most people carry a first and last name of the same origin; some are mixed.
    surname_origin = np.where(rng.random(n) < 0.85, origin, rng.choice(len(_ORIGINS), size=n, p=weights))
    female = rng.random(n) < 0.51
    firstname = np.empty(n, dtype=object)
    lastname = np.empty(n, dtype=object)
    for k, (_, males, females, surnames) in enumerate(_ORIGINS):
        mine = origin == k
        for names, mask in ((np.array(males), mine & ~female), (np.array(females), mine & female)):
            firstname[mask] = names[rng.integers(0, len(names), int(mask.sum()))]
        mask = surname_origin == k
        lastname[mask] = np.array(surnames)[rng.integers(0, len(surnames), int(mask.sum()))]
    firstname = firstname.astype(str)
    lastname = lastname.astype(str)

    # Adults from 18 to 95 years old on the reference day.
    age_days = (rng.beta(2.0, 2.6, n) * (95 - 18) * 365.25 + 18 * 365.25).astype(np.int64)
    birth = np.datetime64(reference_day) - age_days.astype("timedelta64[D]")
    years = birth.astype("datetime64[Y]").astype(int) + 1970
    months = birth.astype("datetime64[M]").astype(int) % 12 + 1
    days = (birth - birth.astype("datetime64[M]")).astype(int) + 1
    nrn = _unique_nrns(rng, years, months, days, female)
    # Some contacts (companies' representatives, people without a Belgian number) have none.
    nrn = np.where(rng.random(n) < 0.95, nrn, "")

    folded_first = np.array([_login_part(x) for x in firstname])
    folded_last = np.array([_login_part(x) for x in lastname])
    style = rng.integers(0, 4, n)
    digits = rng.integers(1, 99, n).astype(str)
    add = np.char.add
    initial = np.array([f[:1] for f in folded_first])
    local = np.select(
        [style == 0, style == 1, style == 2],
        [
            add(add(folded_first, "."), folded_last),
            add(folded_first, folded_last),
            add(add(folded_first, "."), add(folded_last, digits)),
        ],
        default=add(add(initial, folded_last), digits),
    )
    domain = _EMAIL_DOMAINS[rng.choice(len(_EMAIL_DOMAINS), size=n, p=_EMAIL_DOMAIN_WEIGHTS)]
    email = np.char.add(np.char.add(local, "@"), domain)
    email = np.where(rng.random(n) < 0.9, email, "")

    prefix = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)].astype(str)
    mobile = add(add("+32", prefix), np.char.zfill(rng.integers(0, 1_000_000, n).astype(str), 6))
    landline = np.char.add("+322", np.char.zfill(rng.integers(2_000_000, 8_000_000, n).astype(str), 7))
    kind = rng.random(n)
    phone = np.where(kind < 0.75, mobile, np.where(kind < 0.9, landline, ""))

    dutch = np.isin(origin, [1])
    language = np.where(dutch, "nl", np.where(rng.random(n) < 0.9, "fr", "en"))
    language = np.where(~dutch & (rng.random(n) < 0.06), "nl", language)
    method = np.array(["itsme", "eid", "password"])[rng.choice(3, size=n, p=[0.66, 0.2, 0.14])]
    return Citizens(
        contactid=guids(rng, n),
        firstname=firstname,
        lastname=lastname,
        email=email,
        phone_e164=phone,
        nrn=nrn,
        language=language,
        activity=rng.lognormal(0.0, 0.9, n),
        login_method=method,
    )


def _unique_nrns(
    rng: np.random.Generator, years: np.ndarray, months: np.ndarray, days: np.ndarray, female: np.ndarray
) -> np.ndarray:
    """11-digit register numbers, unique in the pool; the serial is odd for men, even for women."""
    n = len(years)
    yymmdd = (years % 100) * 10000 + months * 100 + days
    serial = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):  # redraw the serials of the (rare) duplicates until all numbers differ
        s = rng.integers(1, 499, len(todo)) * 2  # even, 2..996
        serial[todo] = np.where(female[todo], s, s - 1)
        first9 = yymmdd * 1000 + serial
        _, first_index = np.unique(first9, return_index=True)
        keep = np.zeros(n, dtype=bool)
        keep[first_index] = True
        todo = np.flatnonzero(~keep)
    first9 = yymmdd * 1000 + serial
    check = nrn_check(first9, years >= 2000)
    return np.char.add(np.char.zfill(first9.astype(str), 9), np.char.zfill(check.astype(str), 2))


def national_phone(e164: np.ndarray, spaced: bool) -> np.ndarray:
    """'+32475123456' -> '0475 12 34 56' (spaced, as typed in a booking form) or '0475123456'."""
    e164 = np.asarray(e164, dtype=str)
    national = np.where(e164 != "", np.char.add("0", np.char.replace(e164, "+32", "")), "")
    if not spaced:
        return national
    series = pl.Series(national)
    mobile = series.str.starts_with("04")
    out = (
        pl.DataFrame({"n": series, "m": mobile})
        .select(
            pl.when(pl.col("n") == "")
            .then(pl.lit(""))
            .when(pl.col("m"))
            .then(
                pl.concat_str(
                    [
                        pl.col("n").str.slice(0, 4),
                        pl.col("n").str.slice(4, 2),
                        pl.col("n").str.slice(6, 2),
                        pl.col("n").str.slice(8, 2),
                    ],
                    separator=" ",
                )
            )
            .otherwise(
                pl.concat_str(
                    [
                        pl.col("n").str.slice(0, 2),
                        pl.col("n").str.slice(2, 3),
                        pl.col("n").str.slice(5, 2),
                        pl.col("n").str.slice(7, 2),
                    ],
                    separator=" ",
                )
            )
        )
        .to_series()
    )
    return out.to_numpy().astype(str)


def agent_logins(rng: np.random.Generator, n: int) -> np.ndarray:
    """Case-tool logins of staff, 'mdubois' style, unique."""
    pool = make_citizens(rng, n, date(2024, 1, 1))
    logins: list[str] = []
    seen: set[str] = set()
    for first, last in zip(pool.firstname, pool.lastname, strict=True):
        base = (_login_part(first)[:1] + _login_part(last))[:12]
        login, k = base, 1
        while login in seen:
            k += 1
            login = f"{base}{k}"
        seen.add(login)
        logins.append(login)
    return np.array(logins)
