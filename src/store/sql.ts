// Every SQL statement the store runs, as named constants (one place to read the schema and the
// queries; the verb modules only bind parameters).

/** Bumped when the schema changes; stored in PRAGMA user_version. */
export const SCHEMA_VERSION = 2;

export const PRAGMA_WAL = 'journal_mode = WAL';
export const PRAGMA_SYNCHRONOUS = 'synchronous = NORMAL';
export const PRAGMA_BUSY_TIMEOUT = 'busy_timeout = 5000';
export const PRAGMA_USER_VERSION = 'user_version';
export const PRAGMA_SET_USER_VERSION = `user_version = ${SCHEMA_VERSION}`;

/**
 * objects: current state, one row per key (ns '' for cluster-scoped kinds).
 * events: the change log; rev is the global resourceVersion (one above the newest event or the
 *   compaction point, whichever is higher: no AUTOINCREMENT counter page to write per commit). json is the object
 *   after the write (for DELETED: its last state), prev_json the object before it. Neither holds
 *   resourceVersion: it is the row's rev (events) or rv (objects).
 * owners: owner uid -> dependent key, maintained in the write transaction, for listOwnedBy.
 * meta: the compaction point.
 */
export const CREATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  kind TEXT NOT NULL,
  ns   TEXT NOT NULL,
  name TEXT NOT NULL,
  uid  TEXT NOT NULL,
  rv   INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (kind, ns, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_by_name ON objects (kind, name);
CREATE TABLE IF NOT EXISTS events (
  rev       INTEGER PRIMARY KEY,
  type      TEXT NOT NULL,
  kind      TEXT NOT NULL,
  ns        TEXT NOT NULL,
  name      TEXT NOT NULL,
  json      TEXT NOT NULL,
  prev_json TEXT
);
CREATE TABLE IF NOT EXISTS owners (
  owner_uid TEXT NOT NULL,
  kind      TEXT NOT NULL,
  ns        TEXT NOT NULL,
  name      TEXT NOT NULL,
  PRIMARY KEY (owner_uid, kind, ns, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owners_by_dependent ON owners (kind, ns, name);
CREATE TABLE IF NOT EXISTS meta (
  id          INTEGER PRIMARY KEY CHECK (id = 0),
  compact_rev INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (id, compact_rev) VALUES (0, 0);
`;

// Transactions. IMMEDIATE takes the write lock up front, so COMMIT cannot fail with BUSY.
// Savepoints share one name: SQLite resolves a name to the innermost savepoint that has it.
export const BEGIN = 'BEGIN IMMEDIATE';
export const COMMIT = 'COMMIT';
export const ROLLBACK = 'ROLLBACK';
export const SAVEPOINT = 'SAVEPOINT rdd_nested';
export const RELEASE = 'RELEASE rdd_nested';
export const ROLLBACK_TO = 'ROLLBACK TO rdd_nested';

// Objects.
export const SELECT_OBJECT = 'SELECT rv, json FROM objects WHERE kind = ? AND ns = ? AND name = ?';
export const SELECT_OBJECTS_OF_KIND = 'SELECT rv, json FROM objects WHERE kind = ? ORDER BY ns, name';
export const SELECT_OBJECTS_IN_NS = 'SELECT rv, json FROM objects WHERE kind = ? AND ns = ? ORDER BY name';
export const SELECT_OBJECTS_NAMED = 'SELECT rv, json FROM objects WHERE kind = ? AND name = ? ORDER BY ns';
export const INSERT_OBJECT = 'INSERT INTO objects (kind, ns, name, uid, rv, json) VALUES (?, ?, ?, ?, ?, ?)';
/** The rv guard makes the optimistic-concurrency check part of the write itself. */
export const UPDATE_OBJECT = 'UPDATE objects SET rv = ?, json = ? WHERE kind = ? AND ns = ? AND name = ? AND rv = ?';
export const DELETE_OBJECT = 'DELETE FROM objects WHERE kind = ? AND ns = ? AND name = ? AND rv = ?';

// Events and revisions.
/** The next revision is computed in the insert itself, so it survives compaction of every event. */
export const INSERT_EVENT =
  'INSERT INTO events (rev, type, kind, ns, name, json, prev_json) VALUES (' +
  'MAX(COALESCE((SELECT MAX(rev) FROM events), 0), (SELECT compact_rev FROM meta WHERE id = 0)) + 1, ?, ?, ?, ?, ?, ?)';
/**
 * Replay scans the rev range (primary key) and filters by kind: no per-kind index, because an
 * index page is one more page written by every commit, and the range after a watch's
 * revision is short (compaction bounds it).
 */
export const SELECT_EVENTS_AFTER = 'SELECT rev, type, ns, name, json, prev_json FROM events WHERE rev > ? AND kind = ? ORDER BY rev';
/** The newest revision: the newest event, or the compaction point once every event is compacted. */
export const CURRENT_REVISION =
  'SELECT MAX(COALESCE((SELECT MAX(rev) FROM events), 0), (SELECT compact_rev FROM meta WHERE id = 0))';

// Owner index.
export const INSERT_OWNER = 'INSERT OR IGNORE INTO owners (owner_uid, kind, ns, name) VALUES (?, ?, ?, ?)';
export const DELETE_OWNERS_OF = 'DELETE FROM owners WHERE kind = ? AND ns = ? AND name = ?';
export const SELECT_OWNED_BY = `
SELECT o.rv AS rv, o.json AS json
FROM owners w JOIN objects o ON o.kind = w.kind AND o.ns = w.ns AND o.name = w.name
WHERE w.owner_uid = ?
ORDER BY o.kind, o.ns, o.name`;

// Compaction.
export const SELECT_COMPACT_REV = 'SELECT compact_rev FROM meta WHERE id = 0';
export const UPDATE_COMPACT_REV = 'UPDATE meta SET compact_rev = ? WHERE id = 0';
export const DELETE_EVENTS_BETWEEN = 'DELETE FROM events WHERE rev > ? AND rev <= ?';
export const WAL_CHECKPOINT = 'wal_checkpoint(PASSIVE)';
