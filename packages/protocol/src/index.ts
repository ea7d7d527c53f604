export * from './address.js';
export * from './channel.js';
export * from './line-codec.js';
export * from './messages.js';
export * from './reasons.js';
