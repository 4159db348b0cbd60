const preset = require('../../jest.preset.cjs');

// light-my-request (fastify's inject) requires cookie 2, which ships ESM only: let SWC compile it to CommonJS.
module.exports = {
  ...preset,
  displayName: 'cart-worker',
  transform: {
    ...preset.transform,
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
};
