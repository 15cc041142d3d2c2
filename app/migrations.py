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


@migrations()
def m010_user_sessions(db: Database) -> None:
    # One row per signed-in browser: logging out or changing a password deletes rows, so a copied
    # cookie stops working. The id is the sha256 of the token the signed cookie carries.
    db.execute(
        """
        CREATE TABLE user_sessions (
            id TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            session_version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            last_seen REAL NOT NULL,
            user_agent TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.table("user_sessions").create_index(["user_id"])


@migrations()
def m011_login_attempts(db: Database) -> None:
    # Kept in SQLite, not in memory, so that the limits hold across server processes.
    db.execute(
        """
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            at REAL NOT NULL
        )
        """
    )
    db.table("login_attempts").create_index(["key", "at"])


@migrations()
def m012_users_must_change_password(db: Database) -> None:
    # Set on invited accounts and password resets: the first login leads to the password form.
    db.table("users").add_column("must_change_password", int, not_null_default=0)


@migrations()
def m013_pairings(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE pairings (
            id INTEGER PRIMARY KEY,
            bfc_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            qc_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            track TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'rejected')),
            origin TEXT NOT NULL CHECK (origin IN ('engine', 'member', 'documented')),
            score REAL,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (bfc_org_id, qc_org_id, track)
        )
        """
    )
    db.table("pairings").create_index(["status"])
    db.table("pairings").create_index(["qc_org_id"])
    # The audit trail: written in the same transaction as the status change it records.
    db.execute(
        """
        CREATE TABLE pairing_decisions (
            id INTEGER PRIMARY KEY,
            pairing_id INTEGER NOT NULL REFERENCES pairings(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id),
            decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'reopen', 'comment')),
            from_status TEXT NOT NULL,
            to_status TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        )
        """
    )
    db.table("pairing_decisions").create_index(["pairing_id"])
    # An organisation's current stance on a partner for a track.
    db.execute(
        """
        CREATE TABLE interests (
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            partner_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            track TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('interested', 'not_relevant', 'intro_request')),
            reason TEXT NOT NULL DEFAULT '',
            user_id INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (org_id, partner_org_id, track)
        )
        """
    )
    db.table("interests").create_index(["partner_org_id"])
    db.execute(
        """
        CREATE TABLE proposal_runs (
            id INTEGER PRIMARY KEY,
            user_id INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL,
            proposals INTEGER NOT NULL
        )
        """
    )


@migrations()
def m003_engine(db: Database) -> None:
    from models.vectorstore import create_tables

    create_tables(db)
    db.execute(
        """
        CREATE TABLE org_topics (
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            topic_id TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),
            PRIMARY KEY (org_id, topic_id)
        )
        """
    )
    # One counter that every change the engine depends on bumps, so that each process can tell
    # cheaply whether its in-memory index is stale.
    db.execute("CREATE TABLE engine_state (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)")
    db.execute("INSERT INTO engine_state (id, version) VALUES (1, 1)")
    for table in ("organisations", "passage_vectors", "org_topics"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(
                f"""
                CREATE TRIGGER {table}_{event.lower()}_bumps_engine AFTER {event} ON {table}
                BEGIN UPDATE engine_state SET version = version + 1 WHERE id = 1; END
                """
            )


@migrations()
def m030_api_tokens(db: Database) -> None:
    # Per-user API tokens, sent as "Authorization: Bearer ...". Only the sha256 of the secret is kept:
    # the secret is 32 random bytes, so a fast hash is enough (nobody can guess it to test hashes), and
    # a lookup by hash needs no slow password hash. ``prefix`` is what the account page shows.
    db.execute(
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        )
        """
    )
    db.table("api_tokens").create_index(["user_id"])


@migrations()
def m020_trips(db: Database) -> None:
    # A delegation trip and its set-up: the daily slots, the delegation (organisations and their
    # delegates), the hosts with their capacity, city and receiving days, and must/must-not pairs.
    db.execute(
        """
        CREATE TABLE trips (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            direction TEXT NOT NULL CHECK (direction IN ('BFC->QC', 'QC->BFC')),
            cities TEXT NOT NULL DEFAULT '[]',  -- JSON array of destination cities
            start_date TEXT NOT NULL,
            end_date TEXT NOT NULL CHECK (end_date >= start_date),
            status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'past')),
            notes TEXT NOT NULL DEFAULT '',
            published_at TEXT,  -- the last publication of its meetings
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE trip_slots (
            id INTEGER PRIMARY KEY,
            trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
            day TEXT NOT NULL,  -- ISO date
            start TEXT NOT NULL,  -- HH:MM, local time at the destination
            end TEXT NOT NULL CHECK (end > start),
            UNIQUE (trip_id, day, start)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE trip_delegation (
            trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            PRIMARY KEY (trip_id, org_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE trip_delegates (
            id INTEGER PRIMARY KEY,
            trip_id INTEGER NOT NULL,
            org_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            FOREIGN KEY (trip_id, org_id) REFERENCES trip_delegation(trip_id, org_id) ON DELETE CASCADE
        )
        """
    )
    db.table("trip_delegates").create_index(["trip_id", "org_id"])
    db.execute(
        """
        CREATE TABLE trip_hosts (
            trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            city TEXT NOT NULL,  -- where it receives: no delegate changes city within a day
            capacity INTEGER NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 20),  -- meetings per slot
            days TEXT NOT NULL DEFAULT '[]',  -- JSON array of ISO dates it receives on; empty: every day
            PRIMARY KEY (trip_id, org_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE trip_constraints (
            trip_id INTEGER NOT NULL,
            delegation_org_id INTEGER NOT NULL,
            host_org_id INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('must_meet', 'must_not_meet')),
            PRIMARY KEY (trip_id, delegation_org_id, host_org_id),
            FOREIGN KEY (trip_id, delegation_org_id)
                REFERENCES trip_delegation(trip_id, org_id) ON DELETE CASCADE,
            FOREIGN KEY (trip_id, host_org_id) REFERENCES trip_hosts(trip_id, org_id) ON DELETE CASCADE
        )
        """
    )


@migrations()
def m021_trip_drafts(db: Database) -> None:
    # The draft plan coordinators edit. A pair (delegation organisation, host) meets at most once
    # per trip and a delegate has one meeting per slot: the unique keys hold that even against a race.
    db.execute(
        """
        CREATE TABLE trip_meetings (
            id INTEGER PRIMARY KEY,
            trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
            delegate_id INTEGER NOT NULL REFERENCES trip_delegates(id) ON DELETE CASCADE,
            delegation_org_id INTEGER NOT NULL,
            host_org_id INTEGER NOT NULL,
            slot_id INTEGER NOT NULL REFERENCES trip_slots(id) ON DELETE CASCADE,
            track TEXT NOT NULL,
            score REAL NOT NULL,
            approved INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL DEFAULT '',
            origin TEXT NOT NULL CHECK (origin IN ('planner', 'manual')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (delegate_id, slot_id),
            UNIQUE (trip_id, delegation_org_id, host_org_id),
            FOREIGN KEY (trip_id, host_org_id) REFERENCES trip_hosts(trip_id, org_id) ON DELETE CASCADE
        )
        """
    )
    db.execute(
        """
        CREATE TABLE trip_plan_runs (
            id INTEGER PRIMARY KEY,
            trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            method TEXT NOT NULL,
            objective REAL NOT NULL,
            greedy_objective REAL NOT NULL,
            seconds REAL NOT NULL,
            meetings INTEGER NOT NULL,
            notes TEXT NOT NULL DEFAULT '[]'  -- JSON array of the planner's notes
        )
        """
    )
    db.table("trip_plan_runs").create_index(["trip_id"])


@migrations()
def m022_published_meetings(db: Database) -> None:
    # What members and calendar exports see: a snapshot per (trip, delegation organisation, host),
    # with a uid kept for ever and a sequence bumped on every published change (RFC 5545).
    # See app/trips/meetings.py for the rules.
    db.execute(
        """
        CREATE TABLE published_meetings (
            id INTEGER PRIMARY KEY,
            trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
            uid TEXT NOT NULL UNIQUE,
            sequence INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
            delegation_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            host_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            delegate_id INTEGER REFERENCES trip_delegates(id) ON DELETE SET NULL,
            delegate_name TEXT NOT NULL,
            delegate_email TEXT NOT NULL DEFAULT '',
            start TEXT NOT NULL,  -- ISO local date-time at the destination, e.g. 2026-05-11T09:00
            end TEXT NOT NULL,
            time_zone TEXT NOT NULL,  -- IANA name, e.g. America/Montreal
            city TEXT NOT NULL,
            track TEXT NOT NULL,
            score REAL,
            reason TEXT NOT NULL DEFAULT '',
            published_at TEXT NOT NULL,  -- when this sequence was published
            created_at TEXT NOT NULL,  -- first publication
            UNIQUE (trip_id, delegation_org_id, host_org_id)
        )
        """
    )
    db.table("published_meetings").create_index(["delegation_org_id"])
    db.table("published_meetings").create_index(["host_org_id"])


@migrations()
def m100_proposal_run_inputs(db: Database) -> None:
    # What a proposal run was computed from, so that `flask propose` can skip when nothing changed.
    db.execute("ALTER TABLE proposal_runs ADD COLUMN engine_version INTEGER")
    db.execute("ALTER TABLE proposal_runs ADD COLUMN min_score REAL")
    db.execute("ALTER TABLE proposal_runs ADD COLUMN per_org INTEGER")


@migrations()
def m101_engine_changes(db: Database) -> None:
    # Which organisation each change the engine depends on touched, so that a process can update its
    # index in place (that organisation's rows only) instead of rebuilding it.
    db.execute(
        "CREATE TABLE engine_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, org_id INTEGER NOT NULL, "
        "kind TEXT NOT NULL CHECK (kind IN ('insert', 'update', 'delete')))"
    )
    for event, row, kind in (
        ("INSERT", "NEW", "insert"),
        ("UPDATE", "NEW", "update"),
        ("DELETE", "OLD", "delete"),
    ):
        db.execute(
            f"CREATE TRIGGER organisations_{event.lower()}_logs_change AFTER {event} ON organisations "
            f"BEGIN INSERT INTO engine_changes (org_id, kind) VALUES ({row}.id, '{kind}'); END"
        )
        for table in ("passage_vectors", "org_topics"):
            db.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_logs_change AFTER {event} ON {table} "
                f"BEGIN INSERT INTO engine_changes (org_id, kind) VALUES ({row}.org_id, 'update'); END"
            )
