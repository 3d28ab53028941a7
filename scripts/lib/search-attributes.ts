import proto from '@temporalio/proto';
import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../domain/temporal.js';

const GRPC_UNIMPLEMENTED = 12;
const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED_TYPE: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers the custom search attributes the server does not know yet: the time-skipping
 * server starts with none, and a dev server's persisted database predates newer ones
 * (its --search-attribute flags only apply to a new database). Returns the names added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace = 'default'): Promise<string[]> {
  const known = await connection.operatorService.listSearchAttributes({ namespace }).then(
    (r) => r.customAttributes ?? {},
    // The time-skipping server cannot list them (gRPC UNIMPLEMENTED), and starts with none.
    (err: { code?: number }) => {
      if (err.code === GRPC_UNIMPLEMENTED) return {};
      throw err;
    },
  );
  const missing = Object.values(SEARCH_ATTRIBUTES).filter((k) => !(k.name in known));
  if (missing.length) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
    });
  }
  return missing.map((k) => k.name);
}
