import type { Histogram } from 'prom-client';
import type { Queryable, QueryOptions, QueryResult, Row, Store } from './store.ts';

/** The statement's kind for a metric label: its first keyword (SELECT, INSERT, WITH …). */
function kind(sql: string): string {
  const m = /^\s*([A-Za-z]+)/.exec(sql);
  return m ? m[1]!.toUpperCase() : 'OTHER';
}

function timed(inner: Queryable, backend: string, histogram: Histogram<'backend' | 'statement' | 'outcome'>): Queryable {
  const time = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    const end = histogram.startTimer({ backend, statement: kind(sql) });
    try {
      const res = await run();
      end({ outcome: 'ok' });
      return res;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  };
  const out: Queryable = {
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> =>
      time(sql, () => inner.query<R>(sql, params, options)),
  };
  if (inner.rawRows) {
    const raw = inner.rawRows.bind(inner);
    out.rawRows = (sql, params, width) => time(sql, () => raw(sql, params, width));
  }
  return out;
}

/** Wraps a store so every statement's duration lands in the store histogram. */
export function instrumentStore(store: Store, histogram: Histogram<'backend' | 'statement' | 'outcome'>): Store {
  const backend = store.profile.name;
  const direct = timed(store, backend, histogram);
  const wrapped: Store = {
    profile: store.profile,
    query: direct.query,
    ...(direct.rawRows ? { rawRows: direct.rawRows } : {}),
    transaction: (fn) => store.transaction((tx) => fn(timed(tx, backend, histogram))),
    close: () => store.close(),
  };
  if (store.listen) wrapped.listen = store.listen.bind(store);
  return wrapped;
}
