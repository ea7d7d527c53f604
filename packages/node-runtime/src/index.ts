export type { Reason } from '@dbsim/protocol';
export * from './fields.js';
export * from './node-server.js';
export * from './pending-lookups.js';
export * from './run-node.js';
export * from './store.js';
export * from './table-spec.js';
