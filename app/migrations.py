"""The schema as sqlite-utils migrations: each applies once, so `flask init-db` can re-run.

They run in the order of this file, which is not the order of their numbers: each branch of the
work was given a range (m001-m003, m010-m013, m020-m022, m030, m050...), and a migration is added
at the end of the file when it lands. The numbers only keep names apart; never reorder, rename or
edit a migration that has shipped: a database remembers the names it applied and runs only the
others (``tests/test_migrations.py`` upgrades a database made by an earlier version).
"""

import sqlite3

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
    from models.matching.vectorstore import create_tables

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
def m060_mail_and_notifications(db: Database) -> None:
    # Issue 11 (mail, links, notifications). Each account has a language for its mails, may turn the
    # weekly digest off, and a link generation: a signed link names the generation it was made for,
    # and sending a newer link or using one bumps it, so older links stop working.
    db.table("users").add_column("language", str, not_null_default="fr")
    db.table("users").add_column("digest", int, not_null_default=1)
    db.table("users").add_column("link_generation", int, not_null_default=0)
    db.execute(
        """
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            event TEXT NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',  -- JSON: codes and ids, never finished sentences
            dedupe_key TEXT NOT NULL,
            actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            read_at TEXT,
            UNIQUE (dedupe_key, user_id)
        )
        """
    )
    db.execute("CREATE INDEX idx_notifications_unread ON notifications(user_id, read_at)")
    # The mails to send, written in the event's transaction; only the worker sends them
    # (app/worker.py has the states and their order).
    db.execute(
        """
        CREATE TABLE mail_outbox (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL,
            recipient TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            language TEXT NOT NULL,
            template TEXT NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            claimed_at REAL,
            sent_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            message_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (dedupe_key, recipient)
        )
        """
    )
    db.execute("CREATE INDEX idx_mail_outbox_due ON mail_outbox(status, next_attempt_at)")


@migrations()
def m070_contacts_and_consent(db: Database) -> None:
    # The people of an organisation whom a partner may call. Shown to another organisation only
    # under the privacy rule of app/people/queries.py (can_see_contacts). ``user_id`` links the
    # entry to the account of the same person, so that their personal data can be found and deleted.
    db.execute(
        """
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            name TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            languages TEXT NOT NULL DEFAULT '[]',  -- JSON array of "fr"/"en"
            tracks TEXT NOT NULL DEFAULT '[]',  -- JSON array of the tracks this person handles
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.table("contacts").create_index(["org_id"])
    db.table("contacts").create_index(["user_id"])
    # An account belongs to a person: their name, and when they accepted the privacy notice.
    db.table("users").add_column("name", str, not_null_default="")
    db.table("users").add_column("consent_at", str)


@migrations()
def m071_requests(db: Database) -> None:
    # A request from organisation A to organisation B for one track, with a message and a proposed
    # format; B's members answer it. One open (pending) request per A -> B -> track.
    db.execute(
        """
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            from_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            to_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            track TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('video_call', 'visit', 'trip_meeting')),
            message TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            answered_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            answered_at TEXT,
            pairing_id INTEGER REFERENCES pairings(id) ON DELETE SET NULL,
            CHECK (from_org_id != to_org_id)
        )
        """
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_requests_open ON requests(from_org_id, to_org_id, track) "
        "WHERE status = 'pending'"
    )
    db.table("requests").create_index(["to_org_id", "status"])
    db.table("requests").create_index(["from_org_id", "status"])
    # The audit trail of requests, written in the same transaction as the change it records.
    db.execute(
        """
        CREATE TABLE request_events (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            action TEXT NOT NULL CHECK (action IN ('send', 'accept', 'decline', 'withdraw')),
            from_status TEXT,
            to_status TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.table("request_events").create_index(["request_id"])
    # Notifications the request operations owe, until app.notify takes them over after the merge.
    db.execute(
        """
        CREATE TABLE owed_notifications (
            id INTEGER PRIMARY KEY,
            event TEXT NOT NULL,
            org_ids TEXT NOT NULL,  -- JSON array
            params TEXT NOT NULL,  -- JSON object
            dedupe_key TEXT NOT NULL UNIQUE,
            actor_id INTEGER,
            created_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m090_canonical_cities(db: Database) -> None:
    # One spelling per city (models/cities.py): "Québec City" and "Ville de Québec" become "Québec".
    # Published meetings are normalised too, so the next publication sees no change in their city.
    import json

    from models.cities import canonical_city

    for table, key in (("organisations", "id"), ("published_meetings", "id")):
        for row_key, city in db.execute(f"SELECT {key}, city FROM {table}").fetchall():
            if canonical_city(city) != city:
                db.execute(f"UPDATE {table} SET city = ? WHERE {key} = ?", [canonical_city(city), row_key])
    for trip_id, org_id, city in db.execute("SELECT trip_id, org_id, city FROM trip_hosts").fetchall():
        if canonical_city(city) != city:
            db.execute(
                "UPDATE trip_hosts SET city = ? WHERE trip_id = ? AND org_id = ?",
                [canonical_city(city), trip_id, org_id],
            )
    for trip_id, cities in db.execute("SELECT id, cities FROM trips").fetchall():
        names = list(dict.fromkeys(canonical_city(city) for city in json.loads(cities or "[]")))
        text = json.dumps(names, ensure_ascii=False)
        db.execute("UPDATE trips SET cities = ? WHERE id = ?", [text, trip_id])


@migrations()
def m091_organisation_address(db: Database) -> None:
    # Where a delegation goes: a postal address and, optionally, how to get in (building, floor, desk).
    db.table("organisations").add_column("address", str, not_null_default="")
    db.table("organisations").add_column("access_notes", str, not_null_default="")


@migrations()
def m092_travel_times(db: Database) -> None:
    # Door-to-door minutes between two canonical cities, one row per pair (city_a < city_b), seeded
    # from data/travel_times.json and editable by coordinators.
    from models.cities import TRAVEL_MODES, default_travel_rows

    modes = ", ".join(f"'{mode}'" for mode in TRAVEL_MODES)
    db.execute(
        f"""
        CREATE TABLE travel_times (
            city_a TEXT NOT NULL,
            city_b TEXT NOT NULL CHECK (city_b > city_a),
            minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
            mode TEXT NOT NULL DEFAULT 'car' CHECK (mode IN ({modes})),
            updated_at TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (city_a, city_b)
        )
        """
    )
    for row in default_travel_rows():
        a, b = sorted((row["from"], row["to"]))
        db.execute(
            "INSERT OR IGNORE INTO travel_times (city_a, city_b, minutes, mode) VALUES (?, ?, ?, ?)",
            [a, b, row["minutes"], row["mode"]],
        )


@migrations()
def m093_group_meetings(db: Database) -> None:
    # A meeting's other delegates (a group meeting is one meeting for the host): in the draft, and
    # as a snapshot in the published meeting. trips.group_meetings lets the planner merge delegates.
    db.execute(
        """
        CREATE TABLE trip_meeting_guests (
            meeting_id INTEGER NOT NULL REFERENCES trip_meetings(id) ON DELETE CASCADE,
            delegate_id INTEGER NOT NULL REFERENCES trip_delegates(id) ON DELETE CASCADE,
            PRIMARY KEY (meeting_id, delegate_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE published_meeting_guests (
            published_id INTEGER NOT NULL REFERENCES published_meetings(id) ON DELETE CASCADE,
            delegate_id INTEGER REFERENCES trip_delegates(id) ON DELETE SET NULL,
            delegate_name TEXT NOT NULL,
            delegate_email TEXT NOT NULL DEFAULT '',
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE
        )
        """
    )
    db.table("published_meeting_guests").create_index(["published_id"])
    db.table("published_meeting_guests").create_index(["delegate_id"])
    db.table("trips").add_column("group_meetings", int, not_null_default=0)


@migrations()
def m094_followups(db: Database) -> None:
    # After a trip, each organisation at a published meeting owes a short form, twice (stage 1 soon
    # after, stage 2 a few months later). A row is made when it is due; mailed_at stays NULL until
    # the worker mails it; answered_at and the answer fields when a member answers.
    db.execute(
        """
        CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            published_id INTEGER NOT NULL REFERENCES published_meetings(id) ON DELETE CASCADE,
            stage INTEGER NOT NULL CHECK (stage IN (1, 2)),
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            side TEXT NOT NULL CHECK (side IN ('delegation', 'host')),
            due_at TEXT NOT NULL,  -- ISO date from which it is asked
            created_at TEXT NOT NULL,
            mailed_at TEXT,
            answered_at TEXT,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            took_place INTEGER CHECK (took_place IN (0, 1)),
            relevance INTEGER CHECK (relevance BETWEEN 1 AND 5),
            outcome TEXT CHECK (outcome IN ('no_further_contact', 'in_discussion',
                'agreement_in_preparation', 'agreement_signed')),
            next_step TEXT NOT NULL DEFAULT '',
            UNIQUE (published_id, stage, org_id)
        )
        """
    )
    db.table("followups").create_index(["org_id"])
    db.table("followups").create_index(["mailed_at"])


@migrations()
def m040_api_tokens_session_version(db: Database) -> None:
    # A token works only while its user's session_version is the one it was made under: a password
    # change, a reset and a deactivation bump it, so they end the tokens as they end the sessions
    # (a reactivated account's old tokens stay dead). Existing tokens take their user's version.
    db.execute("ALTER TABLE api_tokens ADD COLUMN session_version INTEGER NOT NULL DEFAULT 1")
    db.execute(
        "UPDATE api_tokens SET session_version = "
        "(SELECT session_version FROM users WHERE users.id = api_tokens.user_id)"
    )


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


@migrations()
def m102_directory_indexes(db: Database) -> None:
    # The paged directory sorts and counts by region, name and city: without these, each page sorted
    # every organisation (1.5 s at 100,000).
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_organisations_directory "
        "ON organisations(region, name COLLATE NOCASE, id)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_organisations_city ON organisations(city)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_organisations_type ON organisations(type, region)")


@migrations()
def m050_events(db: Database) -> None:
    # What an operation did and the side effects it owes (a notification, a mail), written in the
    # operation's own transaction: a worker reads the rows with no handled_at and marks them done.
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,  -- e.g. pairing.decided, stance.set, trip.published
            subject TEXT NOT NULL,  -- what it is about, e.g. pairing:12
            actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            data TEXT NOT NULL DEFAULT '{}',  -- JSON: codes and ids, never finished sentences
            created_at TEXT NOT NULL,
            handled_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX events_pending ON events (id) WHERE handled_at IS NULL")
    db.table("events").create_index(["subject"])


@migrations()
def m072_drop_owed_notifications(db: Database) -> None:
    # Requests recorded what they owed here until notifications existed; notify() now keeps it.
    db.execute("DROP TABLE IF EXISTS owed_notifications")


@migrations()
def m120_host_confirmation(db: Database) -> None:
    # Issue 12: a published meeting waits for its host. host_answer is 'requested' until a member of
    # the host accepts it or declines it, proposing another slot (host_note); a republication that
    # moves the meeting asks again. Meetings published before this stay 'requested': nobody asked.
    table = db.table("published_meetings")
    table.add_column("host_answer", str, not_null_default="requested")
    table.add_column("host_note", str, not_null_default="")
    table.add_column("host_answered_at", str)
    table.add_column("host_answered_by", int)
    # The delegates a meeting was taken from (moved to a colleague, or a guest who left): their
    # calendar feeds keep the event, CANCELLED, with the meeting's uid and current sequence.
    db.execute(
        """
        CREATE TABLE published_meeting_former (
            published_id INTEGER NOT NULL REFERENCES published_meetings(id) ON DELETE CASCADE,
            delegate_id INTEGER REFERENCES trip_delegates(id) ON DELETE SET NULL,
            delegate_name TEXT NOT NULL,
            delegate_email TEXT NOT NULL DEFAULT '',
            left_at TEXT NOT NULL
        )
        """
    )
    db.table("published_meeting_former").create_index(["published_id"])
    db.table("published_meeting_former").create_index(["delegate_id"])


@migrations()
def m121_calendar_subscriptions(db: Database) -> None:
    # Private calendar addresses (/cal/<token>.ics) that follow a trip's plan: one delegate's
    # meetings, or the meetings one organisation hosts. Only the token's SHA-256 is stored; a
    # revoked address answers 404.
    db.execute(
        """
        CREATE TABLE calendar_subscriptions (
            id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
            delegate_id INTEGER REFERENCES trip_delegates(id) ON DELETE CASCADE,
            org_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            language TEXT NOT NULL DEFAULT 'fr',  -- of the events' words
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            CHECK ((delegate_id IS NULL) != (org_id IS NULL))
        )
        """
    )
    db.table("calendar_subscriptions").create_index(["trip_id"])


@migrations()
def m080_organisation_status(db: Database) -> None:
    # A profile is active, closed (never suggested, proposed or offered as a host) or unverified
    # (shown with a mark). Every organisation stored before is active.
    db.execute(
        "ALTER TABLE organisations ADD COLUMN status TEXT NOT NULL DEFAULT 'active' "
        "CHECK (status IN ('active', 'closed', 'unverified'))"
    )


@migrations()
def m081_organisation_status_events(db: Database) -> None:
    # Who changed an organisation's status, when, from what to what: written in the same
    # transaction as the change.
    db.execute(
        """
        CREATE TABLE org_status_events (
            id INTEGER PRIMARY KEY,
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            old_status TEXT NOT NULL,
            new_status TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.table("org_status_events").create_index(["org_id"])


@migrations()
def m130_engine_jobs(db: Database) -> None:
    # What the worker owes the engine: one row per organisation whose profile changed, written in
    # the same transaction as the change. ``generation`` grows with each save; the worker marks the
    # row done only if no save came while it worked, so a newer save is never skipped.
    db.execute(
        """
        CREATE TABLE engine_jobs (
            org_id INTEGER PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
            generation INTEGER NOT NULL DEFAULT 1,
            requested_at TEXT NOT NULL,
            done_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX engine_jobs_pending ON engine_jobs(status, next_attempt_at)")


@migrations()
def m160_profile_languages(db: Database) -> None:
    # The language an organisation's texts are in (the engine embeds them as written), by default
    # its first declared language; and an optional second version of the texts in another
    # language, written by its members and never embedded.
    db.execute("ALTER TABLE organisations ADD COLUMN text_language TEXT NOT NULL DEFAULT 'fr'")
    db.execute(
        "UPDATE organisations SET text_language = coalesce(json_extract(languages, '$[0]'), 'fr') "
        "WHERE json_valid(languages)"
    )
    db.execute(
        """
        CREATE TABLE profile_translations (
            org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            lang TEXT NOT NULL,
            expertise TEXT NOT NULL,
            offers TEXT NOT NULL,
            seeks TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            PRIMARY KEY (org_id, lang)
        )
        """
    )


@migrations()
def m170_never_matched_indexes(db: Database) -> None:
    # The dashboard lists the first never-matched organisations by region and short name and counts
    # them: without these, each view sorted every organisation and scanned the pairings per
    # organisation (0.35 s at 100,000).
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_organisations_region_short_name "
        "ON organisations(region, short_name COLLATE NOCASE)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_pairings_status_bfc ON pairings(status, bfc_org_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_pairings_status_qc ON pairings(status, qc_org_id)")


@migrations()
def m175_proposal_progress(db: Database) -> None:
    # A proposal run under way (one at a time): its settings, the last organisation done and the
    # pairings it created so far. The worker does a run in rounds and `flask propose` resumes an
    # interrupted one from here; the row goes when the run ends in ``proposal_runs``.
    db.execute(
        """
        CREATE TABLE proposal_progress (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            engine_version INTEGER NOT NULL,
            min_score REAL NOT NULL,
            per_org INTEGER NOT NULL,
            last_org_id INTEGER NOT NULL DEFAULT 0,
            done INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL DEFAULT 0,
            requested_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m200_event_org_indexes(db: Database) -> None:
    # The audit log's organisation filter reads the organisations an event names in its data: without
    # these, it read every event (0.4 s a view at 110,000 events).
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_org ON events(json_extract(data, '$.org_id'))")
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_partner ON events(json_extract(data, '$.partner_id'))")


@migrations()
def m201_trip_plan_jobs(db: Database) -> None:
    # A trip's planning asked for on the web, done by the worker (one at a time per trip): ``pending``
    # until the worker takes it, ``running`` while it solves, ``failed`` with the error's code and
    # parameters (worded when shown). A job that succeeds is deleted: its result is the new draft and
    # its ``trip_plan_runs`` row.
    db.execute(
        """
        CREATE TABLE trip_plan_jobs (
            trip_id INTEGER PRIMARY KEY REFERENCES trips(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'failed')),
            time_limit REAL NOT NULL,
            requested_at TEXT NOT NULL,
            started_at TEXT,
            claimed_at REAL,
            finished_at TEXT,
            error_code TEXT NOT NULL DEFAULT '',
            error_params TEXT NOT NULL DEFAULT '{}'
        )
        """
    )


# The pairings table as m202 leaves it: m013's, with the origin 'coordinator' allowed.
_PAIRINGS_M202 = """
    CREATE TABLE pairings_m202 (
        id INTEGER PRIMARY KEY,
        bfc_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        qc_org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        track TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'rejected')),
        origin TEXT NOT NULL CHECK (origin IN ('engine', 'member', 'coordinator', 'documented')),
        score REAL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (bfc_org_id, qc_org_id, track)
    )
"""
_PAIRING_COLUMNS = "id, bfc_org_id, qc_org_id, track, status, origin, score, note, created_at, updated_at"


@migrations(transactional=False)
def m202_coordinator_origin(db: Database) -> None:
    # A coordinator's own proposal had the origin 'documented', as the seed's links known before the
    # programme: it gets its own, 'coordinator'. The proposals are told apart by their history:
    # propose() wrote a 'pairing.proposed' event and a first audit row that is a person's comment,
    # where the seed wrote an approval by nobody.
    #
    # SQLite cannot change a CHECK in place and sqlite-utils' transform() keeps the checks as they
    # are, so the table is rebuilt the way SQLite documents (create the new one, copy, drop the old,
    # rename, recreate the indexes). Foreign keys must be off for it: dropping the old table with
    # them on would delete every decision (ON DELETE CASCADE) and unlink every request (SET NULL).
    # PRAGMA foreign_keys does nothing inside a transaction, hence a transaction of the migration's
    # own; run again (a crash before it is recorded), it redoes the same.
    if db.conn.in_transaction:
        raise RuntimeError("m202 rebuilds pairings with foreign keys off: run it outside a transaction")
    foreign_keys = db.execute("PRAGMA foreign_keys").fetchone()[0]
    db.execute("PRAGMA foreign_keys=OFF")
    try:
        with db.atomic():
            indexes = [
                sql
                for (sql,) in db.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pairings' "
                    "AND sql IS NOT NULL ORDER BY name"
                )
            ]
            db.execute(_PAIRINGS_M202)
            db.execute(
                f"INSERT INTO pairings_m202 ({_PAIRING_COLUMNS}) SELECT {_PAIRING_COLUMNS} FROM pairings"
            )
            db.execute("DROP TABLE pairings")
            db.execute("ALTER TABLE pairings_m202 RENAME TO pairings")
            for sql in indexes:
                db.execute(sql)
            db.execute(
                """
                UPDATE pairings SET origin = 'coordinator'
                WHERE origin = 'documented' AND (
                    EXISTS (
                        SELECT 1 FROM events
                        WHERE name = 'pairing.proposed' AND subject = 'pairing:' || pairings.id
                    )
                    OR EXISTS (
                        SELECT 1 FROM pairing_decisions d
                        WHERE d.pairing_id = pairings.id AND d.decision = 'comment' AND d.user_id IS NOT NULL
                        AND d.id = (SELECT min(id) FROM pairing_decisions WHERE pairing_id = pairings.id)
                    )
                )
                """
            )
            if any(
                db.execute(f"PRAGMA foreign_key_check({table})").fetchall()
                for table in ("pairings", "pairing_decisions", "requests")
            ):
                raise sqlite3.IntegrityError("m202: a foreign key no longer holds after the rebuild")
    finally:
        if foreign_keys:
            db.execute("PRAGMA foreign_keys=ON")


@migrations()
def m203_proposal_run_outcomes(db: Database) -> None:
    # A proposal run keeps what it did once it ends: the organisations done of the total, and how it
    # ended, ``done`` or ``failed`` with the error's code and parameters (worded when shown; the
    # worker's log has the trace). Runs before m203 all ended done, their counts unknown (NULL).
    db.execute(
        "ALTER TABLE proposal_runs ADD COLUMN status TEXT NOT NULL DEFAULT 'done' "
        "CHECK (status IN ('done', 'failed'))"
    )
    db.execute("ALTER TABLE proposal_runs ADD COLUMN done INTEGER")
    db.execute("ALTER TABLE proposal_runs ADD COLUMN total INTEGER")
    db.execute("ALTER TABLE proposal_runs ADD COLUMN error_code TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE proposal_runs ADD COLUMN error_params TEXT NOT NULL DEFAULT '{}'")
