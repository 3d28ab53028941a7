import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Connection } from '@temporalio/client';
import { temporalTestServer } from '../../scripts/lib/tools.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/constants.js';

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

/** The time-skipping test server knows no custom search attributes until told. */
export async function registerSearchAttributes(connection: Connection, namespace = 'default') {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map((k) => [k.name, INDEXED_TYPE[k.type]!])),
  });
}

/** A time-skipping environment on the project's own test-server binary (never downloaded). */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServer() } },
  });
  await registerSearchAttributes(env.connection);
  return env;
}
