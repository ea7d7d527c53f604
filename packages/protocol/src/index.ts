export * from './address.js';
export * from './channel.js';
export * from './line-codec.js';
export * from './messages.js';
export * from './nodes.js';
export * from './reasons.js';
export * from './relay.js';
