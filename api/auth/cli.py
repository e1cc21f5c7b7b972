"""Mint, list and revoke API keys of the ticket service.

    .venv/bin/python -m api.auth create --role engineer [--name T-GR-01]
    .venv/bin/python -m api.auth create --role customer --customer CUST-001
    .venv/bin/python -m api.auth list
    .venv/bin/python -m api.auth revoke KEY_ID

`create` prints the new key as its last line; it is shown only once (only its hash is stored).
Roles: customer (own tickets only), engineer, admin, assistant (the chatbot's service account).
"""

from __future__ import annotations

import argparse
import sys

from api.auth import key_store
from core.settings import get_settings
from db.migrate import upgrade
from tickets.catalog import default_catalog
from tickets.database import create_store_engine
from tickets.domain import ROLES
from tickets.errors import UnknownReferenceError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.auth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="mint a new key (printed as the last line)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--customer", help="customer id (required for --role customer)")
    create.add_argument("--name", help="who holds the key (shown as author and assignee)")
    commands.add_parser("list", help="list keys (never the secrets)")
    revoke = commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)

    settings = get_settings()
    sqlite_path = settings.sqlite_path(settings.database_url)
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_db_url(settings.database_url))
    engine = create_store_engine(settings.resolved_db_url(settings.database_url))

    if args.command == "create":
        if args.customer is not None:
            try:
                default_catalog().customer(args.customer)
            except UnknownReferenceError as exc:
                parser.error(str(exc))
        try:
            key, row = key_store.create_key(engine, role=args.role, name=args.name,
                                            customer_id=args.customer)
        except ValueError as exc:
            parser.error(str(exc))
        print(f"created {row.role} key {row.key_id} for {row.name}"
              + (f" (customer {row.customer_id})" if row.customer_id else ""))
        print("store it now; it cannot be shown again:", file=sys.stderr)
        print(key)
        return 0
    if args.command == "list":
        for row in key_store.list_keys(engine):
            state = "revoked" if row.revoked_at else "active"
            print(f"{row.key_id}  {row.role:9}  {row.customer_id or '-':9}  {state:7}  {row.name}")
        return 0
    if not key_store.revoke_key(engine, key_id=args.key_id):
        print(f"no active key {args.key_id}", file=sys.stderr)
        return 1
    print(f"revoked {args.key_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
