module.exports = { ...require('../../jest.preset.cjs'), displayName: 'order-api' };
