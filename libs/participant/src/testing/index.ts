export { runCommand } from './run-command';
export type { RunCommandOptions } from './run-command';
