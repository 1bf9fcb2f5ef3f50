"""`civiclake users`: the local users of the dashboard (the access file of dashboards.auth).

    civiclake users add NAME --role management
    civiclake users add NAME --role service_owner --services CIV-X,CIV-Y
    civiclake users remove NAME
    civiclake users list

The password is asked twice without echo (or read from the first line of stdin with --password-stdin,
for scripts); only its salted scrypt hash is written.
"""

from __future__ import annotations

import argparse
import getpass
import json
import secrets
import sys
from pathlib import Path

from dashboards import auth

DEMO_USER = "demo"


def add_users_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `users` subcommand and its actions."""
    users = commands.add_parser("users", help="add, remove or list the dashboard's local users")
    users.add_argument(
        "--file", type=Path, help=f"the access file (default: ${auth.USERS_ENV} or ./{auth.DEFAULT_USERS_FILE})"
    )
    actions = users.add_subparsers(dest="users_action", required=True)
    add = actions.add_parser("add", help="add a user, or set their role, services and password")
    add.add_argument("name")
    add.add_argument("--role", choices=auth.ROLES, required=True)
    add.add_argument("--services", default="", help="comma-separated service codes (service_owner)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    remove = actions.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    actions.add_parser("list", help="the users, their role and services (never a password)")


def _ask_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise auth.AccessError("the two passwords differ")
    return first


def run_users(args: argparse.Namespace) -> int:
    """Carry out `civiclake users ...`; AccessError (a ValueError) for a mistake."""
    file = auth.users_file(args.file)
    if args.users_action == "add":
        services = [code.strip() for code in args.services.split(",") if code.strip()]
        written = auth.set_user(file, args.name, _ask_password(args.password_stdin), args.role, services)
        print(f"user {args.name} ({args.role}) saved in {written}")
        return 0
    access = auth.load_access(file)
    if args.users_action == "list":
        for name, (grant, _hash) in sorted(access.users.items()):
            print(f"{name}\t{grant.role}\t{','.join(sorted(grant.services))}")
        return 0
    if args.name not in access.users:
        raise auth.AccessError(f"{file}: no user {args.name!r}")
    raw = json.loads(file.read_text(encoding="utf-8"))
    del raw["users"][args.name]
    auth.write_access(file, raw)
    print(f"user {args.name} removed from {file}")
    return 0


def write_demo_access(folder: Path) -> tuple[Path, str, str]:
    """A fresh access file in `folder` with one management user `demo` and a new random password, for
    `civiclake demo` only (printed on the console); returns (file, name, password)."""
    password = secrets.token_urlsafe(12)
    file = folder / auth.DEFAULT_USERS_FILE
    file.unlink(missing_ok=True)  # the demo's previous password is void
    auth.set_user(file, DEMO_USER, password, auth.MANAGEMENT)
    return file, DEMO_USER, password
