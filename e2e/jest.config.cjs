// The system tests start every app as a process: one file at a time, generous timeouts.
module.exports = { ...require('../jest.preset.cjs'), displayName: 'e2e', testTimeout: 180000, maxWorkers: 1 };
