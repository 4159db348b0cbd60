export { captureLogs } from './capture-logs';
