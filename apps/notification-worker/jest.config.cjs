module.exports = { ...require('../../jest.preset.cjs'), displayName: 'notification-worker' };
