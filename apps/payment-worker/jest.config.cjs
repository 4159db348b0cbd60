module.exports = { ...require('../../jest.preset.cjs'), displayName: 'payment-worker' };
