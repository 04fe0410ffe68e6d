import type { Histogram } from 'prom-client';
import type { Queryable, QueryOptions, QueryResult, Row, Store } from './store.ts';

/** The statement's kind for a metric label: its first keyword (SELECT, INSERT, WITH …). */
function kind(sql: string): string {
  const m = /^\s*([A-Za-z]+)/.exec(sql);
  return m ? m[1]!.toUpperCase() : 'OTHER';
}

function timed(inner: Queryable, backend: string, histogram: Histogram<'backend' | 'statement' | 'outcome'>): Queryable {
  return {
    async query<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      const end = histogram.startTimer({ backend, statement: kind(sql) });
      try {
        const res = await inner.query<R>(sql, params, options);
        end({ outcome: 'ok' });
        return res;
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    },
  };
}

/** Wraps a store so every statement's duration lands in the store histogram. */
export function instrumentStore(store: Store, histogram: Histogram<'backend' | 'statement' | 'outcome'>): Store {
  const backend = store.profile.name;
  const direct = timed(store, backend, histogram);
  const wrapped: Store = {
    profile: store.profile,
    query: direct.query,
    transaction: (fn) => store.transaction((tx) => fn(timed(tx, backend, histogram))),
    close: () => store.close(),
  };
  if (store.listen) wrapped.listen = store.listen.bind(store);
  return wrapped;
}
