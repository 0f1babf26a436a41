import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A reader thread's code: its own read-only connection to the store's file (WAL lets it read while
 * the store writes), answering one query at a time, each statement parsed once.
 */
const READER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map();
parentPort.on('message', ({ id, sql, params }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 200) statements.delete(statements.keys().next().value);
      statements.set(sql, (statement = db.prepare(sql)));
    }
    parentPort.postMessage({ id, rows: statement.all(...params) });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});`;

type Rows = Record<string, unknown>[];

interface Reader {
  worker: Worker;
  /** Queries sent and not yet answered. */
  pending: Map<number, { resolve: (rows: Rows) => void; reject: (err: Error) => void }>;
}

/** A reader thread that failed (could not start, or ended): its queries are run again on the store's own connection. */
export class ReaderLost extends Error {}

/**
 * The threads that run the store's report queries (`select`), so that better-sqlite3, which blocks
 * the thread it runs on, neither stops the web server answering while a report runs nor makes the
 * dashboard's reports run one after another: up to one thread a core (two at most), each started
 * when first needed, kept alive by Node only while it has a query to answer.
 */
export class SqliteReaders {
  private readonly readers: Reader[] = [];
  private next = 0;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly size = Math.min(2, availableParallelism()),
  ) {}

  select(sql: string, params: readonly unknown[]): Promise<Rows> {
    if (this.closed) return Promise.reject(new Error('the events store is closed'));
    const reader = this.leastBusy();
    const id = ++this.next;
    return new Promise<Rows>((resolve, reject) => {
      reader.pending.set(id, { resolve, reject });
      if (reader.pending.size === 1) reader.worker.ref();
      reader.worker.postMessage({ id, sql, params });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.readers.splice(0).map((reader) => reader.worker.terminate()));
  }

  private leastBusy(): Reader {
    const idle = this.readers.find((reader) => reader.pending.size === 0);
    if (idle) return idle;
    if (this.readers.length < this.size) return this.start();
    return this.readers.reduce((least, reader) => (reader.pending.size < least.pending.size ? reader : least));
  }

  private start(): Reader {
    const worker = new Worker(READER, { eval: true, workerData: { file: this.file, driver: require.resolve('better-sqlite3') } });
    const reader: Reader = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', ({ id, rows, error }: { id: number; rows?: Rows; error?: string }) => {
      const query = reader.pending.get(id);
      if (!query) return;
      reader.pending.delete(id);
      if (reader.pending.size === 0) worker.unref();
      if (error === undefined) query.resolve(rows!);
      else query.reject(new Error(error));
    });
    const lost = (why: string) => {
      const at = this.readers.indexOf(reader);
      if (at >= 0) this.readers.splice(at, 1);
      for (const query of reader.pending.values()) query.reject(new ReaderLost(why));
      reader.pending.clear();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`the reader thread ended (exit code ${code})`));
    this.readers.push(reader);
    return reader;
  }
}
