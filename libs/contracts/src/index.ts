export * from './commands';
export * from './common';
export * from './envelope';
export * from './events';
export * from './failures';
export * from './messages';
export * from './replies';
export * from './topology';
