module.exports = { ...require('../../jest.preset.cjs'), displayName: 'cart-worker' };
