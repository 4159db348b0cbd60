module.exports = { ...require('../../jest.preset.cjs'), displayName: 'saga-cli' };
