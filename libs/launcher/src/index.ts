export { AppLaunchError, AppProcess } from './app-process';
export type { AppProcessSpec, LaunchOptions } from './app-process';
export { appEntry, launchSystem, RunningSystem, systemApps, workspaceRoot } from './system';
export type { SystemApp, SystemOptions } from './system';
