"""Who is reading the dashboard: the access file, password hashes, the login, and the reader's scope.

Roles: `management` sees every figure; a `service_owner` sees the figures of the services the access file
gives them (dashboards.data enforces it); the public (nobody signed in) sees the open data page only.

The access file (JSON, $CIVICLAKE_USERS, default `civiclake-users.json` in the working directory) holds
the local users, each with a scrypt hash of their password under a random salt of their own (never the
password), and the rules that map the claims of an OpenID Connect identity provider to roles, for a city
that signs its staff in through Streamlit's `st.login` (configured in .streamlit/secrets.toml, [auth]).
`civiclake users add` writes it. It is re-read whenever it changes: a removed user is signed out on their
next interaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

USERS_ENV = "CIVICLAKE_USERS"
DEFAULT_USERS_FILE = "civiclake-users.json"
MANAGEMENT = "management"
SERVICE_OWNER = "service_owner"
ROLES: tuple[str, ...] = (MANAGEMENT, SERVICE_OWNER)
# scrypt at n=2**14, r=8 (16 MiB, some 50 ms): the cost OWASP suggests as a minimum for stored passwords.
SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES, SALT_BYTES = 2**14, 8, 1, 32, 16
MAX_PASSWORD_CHARS = 1024  # longer is refused before hashing: no free CPU for a hostile form
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
_SERVICE_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class AccessError(ValueError):
    """An access file or a user definition that cannot be used, with what is wrong."""


@dataclass(frozen=True)
class User:
    """A signed-in reader: `services` is None for management (every service), else their service codes."""

    name: str
    role: str
    services: frozenset[str] | None

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Grant:
    """A role and, for a service owner, the service codes it covers."""

    role: str
    services: frozenset[str] = frozenset()

    def user(self, name: str) -> User:
        return User(name, self.role, None if self.role == MANAGEMENT else self.services)


@dataclass(frozen=True)
class OidcRules:
    """How identity-provider claims become roles: the value of `claim` (e.g. email) looked up in
    `users`, then each value of `groups_claim` (a list claim, e.g. groups) in `groups`; the first
    management grant wins, else the service owner grants are merged."""

    claim: str = "email"
    users: Mapping[str, Grant] = field(default_factory=dict)
    groups_claim: str | None = None
    groups: Mapping[str, Grant] = field(default_factory=dict)


@dataclass(frozen=True)
class Access:
    """The content of the access file: local users (name -> grant and password hash) and OIDC rules."""

    users: Mapping[str, tuple[Grant, Mapping[str, object]]] = field(default_factory=dict)
    oidc: OidcRules = field(default_factory=OidcRules)


# --- password hashes ---------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> dict[str, object]:
    """A scrypt hash of `password` under a fresh random salt (or `salt`), as stored in the access file."""
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_CHARS:
        raise AccessError(f"a password has 1 to {MAX_PASSWORD_CHARS} characters")
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=HASH_BYTES)
    return {"scheme": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt), "hash": _b64(digest)}


def verify_password(password: object, stored: Mapping[str, object]) -> bool:
    """Whether `password` matches the stored hash (compared in constant time); False for anything odd."""
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        if stored.get("scheme") != "scrypt":
            return False
        n, r, p = int(stored["n"]), int(stored["r"]), int(stored["p"])  # type: ignore[call-overload]
        if not (2**10 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
            return False  # a tampered file must not make a sign-in cost minutes
        salt = base64.b64decode(str(stored["salt"]), validate=True)
        expected = base64.b64decode(str(stored["hash"]), validate=True)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=2**26)
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(digest, expected)


# A hash to compare against when the user name is unknown: the answer takes as long as for a known one.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


# --- the access file ---------------------------------------------------------------------------------


def users_file(path: str | os.PathLike[str] | None = None) -> Path:
    """The access file: `path` if given, else $CIVICLAKE_USERS, else ./civiclake-users.json."""
    chosen = path if path is not None else (os.environ.get(USERS_ENV) or DEFAULT_USERS_FILE)
    return Path(chosen).expanduser().resolve()


def _grant(where: str, entry: object) -> Grant:
    if not isinstance(entry, Mapping):
        raise AccessError(f"{where}: expected an object with a role")
    role = entry.get("role")
    if role not in ROLES:
        raise AccessError(f"{where}: role must be one of {', '.join(ROLES)}, got {role!r}")
    services = entry.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) and _SERVICE_CODE.fullmatch(s) for s in services):
        raise AccessError(f"{where}: services must be a list of service codes")
    if role == SERVICE_OWNER and not services:
        raise AccessError(f"{where}: a service_owner needs at least one service")
    return Grant(role, frozenset(services))


def _grants(where: str, entries: object) -> dict[str, Grant]:
    if entries is None:
        return {}
    if not isinstance(entries, Mapping):
        raise AccessError(f"{where}: expected an object")
    return {str(key): _grant(f"{where}.{key}", value) for key, value in entries.items()}


def parse_access(raw: object, where: str = "access file") -> Access:
    """The Access of a parsed access file; AccessError naming the key when something is wrong."""
    if not isinstance(raw, Mapping):
        raise AccessError(f"{where}: expected a JSON object")
    users: dict[str, tuple[Grant, Mapping[str, object]]] = {}
    raw_users = raw.get("users", {})
    if not isinstance(raw_users, Mapping):
        raise AccessError(f"{where}: users must be an object")
    for name, entry in raw_users.items():
        grant = _grant(f"{where}: users.{name}", entry)
        password = entry.get("password")
        if not isinstance(password, Mapping):
            raise AccessError(f"{where}: users.{name}.password must be a hash (use `civiclake users add`)")
        users[str(name)] = (grant, dict(password))
    raw_oidc = raw.get("oidc", {}) or {}
    if not isinstance(raw_oidc, Mapping):
        raise AccessError(f"{where}: oidc must be an object")
    groups_claim = raw_oidc.get("groups_claim")
    oidc = OidcRules(
        claim=str(raw_oidc.get("claim", "email")),
        users=_grants(f"{where}: oidc.users", raw_oidc.get("users")),
        groups_claim=str(groups_claim) if groups_claim else None,
        groups=_grants(f"{where}: oidc.groups", raw_oidc.get("groups")),
    )
    return Access(users=users, oidc=oidc)


_CACHE: dict[Path, tuple[tuple[int, int], Access]] = {}


def load_access(path: str | os.PathLike[str] | None = None) -> Access:
    """The access file, re-read when its size or modification time changes; an empty Access (nobody can
    sign in) when it does not exist. Raises AccessError when it is not valid."""
    file = users_file(path)
    try:
        stat = file.stat()
    except FileNotFoundError:
        return Access()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(file)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AccessError(f"{file}: cannot be read as JSON ({exc})") from exc
    access = parse_access(raw, str(file))
    _CACHE[file] = (stamp, access)
    return access


def set_user(
    path: str | os.PathLike[str] | None,
    name: str,
    password: str,
    role: str,
    services: Iterable[str] = (),
) -> Path:
    """Add the local user `name` or replace their role, services and password; returns the file written.

    The file is rewritten atomically (write_access).
    """
    if not isinstance(name, str) or not _USER_NAME.fullmatch(name):
        raise AccessError(f"user name {name!r}: letters, digits and . _ @ - only, up to 128 characters")
    codes = sorted(set(services))
    grant = _grant(f"user {name}", {"role": role, "services": codes})
    file = users_file(path)
    raw: dict[str, object] = {}
    if file.exists():
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AccessError(f"{file}: cannot be read as JSON ({exc})") from exc
        parse_access(raw, str(file))  # refuse to build on a broken file
    users = dict(raw.get("users", {}))  # type: ignore[call-overload]
    entry: dict[str, object] = {"role": grant.role, "password": hash_password(password)}
    if grant.role == SERVICE_OWNER:
        entry["services"] = codes
    users[name] = entry
    write_access(file, {**raw, "users": users})
    return file


def write_access(file: Path, raw: Mapping[str, object]) -> None:
    """Write the access file atomically, readable by its owner only (it holds password hashes)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(raw, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def authenticate(access: Access, name: object, password: object) -> User | None:
    """The local user if `password` is theirs, else None (unknown name and wrong password alike)."""
    known = access.users.get(name) if isinstance(name, str) else None
    if known is None:
        verify_password(password, _DUMMY_HASH)  # same work as for a known name
        return None
    grant, stored = known
    return grant.user(str(name)) if verify_password(password, stored) else None


def local_user(access: Access, name: object) -> User | None:
    """The local user `name` as the access file defines them now (None once removed)."""
    known = access.users.get(name) if isinstance(name, str) else None
    return None if known is None else known[0].user(str(name))


def oidc_user(access: Access, claims: Mapping[str, object]) -> User | None:
    """The reader signed in through the identity provider, by the OIDC rules; None when no rule gives
    them a role (signed in but no access to internal pages)."""
    rules = access.oidc
    identity = claims.get(rules.claim)
    grants: list[Grant] = []
    by_identity = {key.casefold(): grant for key, grant in rules.users.items()}  # e-mail addresses: any case
    if isinstance(identity, str) and identity.casefold() in by_identity:
        grants.append(by_identity[identity.casefold()])
    groups = claims.get(rules.groups_claim) if rules.groups_claim else None
    if isinstance(groups, str):
        groups = [groups]
    if isinstance(groups, list):
        grants += [rules.groups[g] for g in groups if isinstance(g, str) and g in rules.groups]
    if not grants:
        return None
    name = identity if isinstance(identity, str) else str(claims.get("sub", "?"))
    if any(g.role == MANAGEMENT for g in grants):
        return User(name, MANAGEMENT, None)
    return User(name, SERVICE_OWNER, frozenset().union(*(g.services for g in grants)))
