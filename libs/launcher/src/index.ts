export { AppLaunchError, AppProcess } from './app-process';
export type { AppProcessSpec, LaunchOptions } from './app-process';
export { appEntry, launchSystem, otherPorts, RunningSystem, systemApps, workspaceRoot } from './system';
export type { PortVariable, SystemApp, SystemOptions, SystemPorts } from './system';
