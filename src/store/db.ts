// Opens the SQLite file, applies the pragmas and schema, and prepares every statement once.
import Database from 'better-sqlite3';
import * as sql from './sql.js';

export interface ObjectRow {
  readonly rv: number;
  readonly json: string;
}

export interface EventRow {
  readonly rev: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly ns: string;
  readonly name: string;
  readonly json: string;
  readonly prev_json: string | null;
}

export type Stmt = Database.Statement<unknown[], unknown>;

/** Prepared statements, named like their constants in sql.ts. */
export interface Statements {
  readonly begin: Stmt;
  readonly commit: Stmt;
  readonly rollback: Stmt;
  readonly savepoint: Stmt;
  readonly release: Stmt;
  readonly rollbackTo: Stmt;
  readonly selectObject: Stmt;
  readonly selectObjectsOfKind: Stmt;
  readonly selectObjectsInNs: Stmt;
  readonly selectObjectsNamed: Stmt;
  readonly insertObject: Stmt;
  readonly updateObject: Stmt;
  readonly deleteObject: Stmt;
  readonly insertEvent: Stmt;
  readonly selectEventsAfter: Stmt;
  readonly currentRevision: Stmt;
  readonly insertOwner: Stmt;
  readonly deleteOwnersOf: Stmt;
  readonly selectOwnedBy: Stmt;
  readonly selectCompactRev: Stmt;
  readonly updateCompactRev: Stmt;
  readonly deleteEventsBetween: Stmt;
}

export function openDatabase(path: string): { db: Database.Database; q: Statements } {
  const db = new Database(path);
  try {
    db.pragma(sql.PRAGMA_WAL);
    db.pragma(sql.PRAGMA_SYNCHRONOUS);
    db.pragma(sql.PRAGMA_BUSY_TIMEOUT);
    const version = db.pragma(sql.PRAGMA_USER_VERSION, { simple: true }) as number;
    if (version > sql.SCHEMA_VERSION) {
      throw new Error(
        `store ${path} has schema version ${version}, newer than this rdd supports (${sql.SCHEMA_VERSION}); upgrade rdd`,
      );
    }
    db.exec(sql.CREATE_SCHEMA);
    db.pragma(sql.PRAGMA_SET_USER_VERSION);
    const p = (s: string): Stmt => db.prepare(s);
    const q: Statements = {
      begin: p(sql.BEGIN),
      commit: p(sql.COMMIT),
      rollback: p(sql.ROLLBACK),
      savepoint: p(sql.SAVEPOINT),
      release: p(sql.RELEASE),
      rollbackTo: p(sql.ROLLBACK_TO),
      selectObject: p(sql.SELECT_OBJECT),
      selectObjectsOfKind: p(sql.SELECT_OBJECTS_OF_KIND),
      selectObjectsInNs: p(sql.SELECT_OBJECTS_IN_NS),
      selectObjectsNamed: p(sql.SELECT_OBJECTS_NAMED),
      insertObject: p(sql.INSERT_OBJECT),
      updateObject: p(sql.UPDATE_OBJECT),
      deleteObject: p(sql.DELETE_OBJECT),
      insertEvent: p(sql.INSERT_EVENT),
      selectEventsAfter: p(sql.SELECT_EVENTS_AFTER),
      currentRevision: p(sql.CURRENT_REVISION).pluck(),
      insertOwner: p(sql.INSERT_OWNER),
      deleteOwnersOf: p(sql.DELETE_OWNERS_OF),
      selectOwnedBy: p(sql.SELECT_OWNED_BY),
      selectCompactRev: p(sql.SELECT_COMPACT_REV).pluck(),
      updateCompactRev: p(sql.UPDATE_COMPACT_REV),
      deleteEventsBetween: p(sql.DELETE_EVENTS_BETWEEN),
    };
    return { db, q };
  } catch (e) {
    db.close();
    throw e;
  }
}

export function checkpoint(db: Database.Database): void {
  db.pragma(sql.WAL_CHECKPOINT);
}
