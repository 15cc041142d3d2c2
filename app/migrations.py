"""The schema as numbered sqlite-utils migrations: each applies once, so `flask init-db` can re-run."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("passerelle")


@migrations()
def m001_organisations(db: Database) -> None:
    db.table("organisations").create(
        {
            "id": int,
            "name": str,
            "short_name": str,
            "region": str,
            "city": str,
            "type": str,
            "expertise": str,
            "offers": str,
            "seeks": str,
            "collaboration_types": str,  # JSON array of tracks
            "languages": str,  # JSON array of "fr"/"en"
            "website": str,
            "source": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "short_name", "region", "city", "type", "expertise", "offers", "seeks"},
        defaults={"website": "", "source": "", "collaboration_types": "[]", "languages": "[]"},
    )
    db.execute("CREATE UNIQUE INDEX idx_organisations_short_name ON organisations(short_name)")
    db.table("organisations").create_index(["region"])


@migrations()
def m002_users(db: Database) -> None:
    db.table("users").create(
        {
            "id": int,
            "email": str,
            "password_hash": str,
            "role": str,
            "active": int,
            "session_version": int,  # bumped to invalidate every session of the user
            "created_at": str,
        },
        pk="id",
        not_null={"email", "password_hash", "role", "active", "session_version"},
        defaults={"active": 1, "session_version": 1},
    )
    db.execute("CREATE UNIQUE INDEX idx_users_email ON users(email COLLATE NOCASE)")
    db.execute(
        """
        CREATE TABLE memberships (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            PRIMARY KEY (user_id, org_id)
        )
        """
    )
    db.table("memberships").create_index(["org_id"])
