export * from './ids.js';
export * from './envelope.js';
export * from './events.js';
export * from './subjects.js';
export * from './rpc.js';
export * from './phone.js';
