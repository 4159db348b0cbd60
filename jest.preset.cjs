// Shared Jest settings: SWC compiles TypeScript (with TypeORM's legacy decorators) and
// workspace imports resolve to each lib's source, so tests never run stale builds of a lib.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
    // light-my-request (fastify's inject) requires cookie 2, and @fastify/static (under @fastify/swagger-ui)
    // content-disposition 3, which ship ESM only: compile them to CommonJS.
    '/node_modules/(cookie|content-disposition)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(cookie|content-disposition)/)'],
  moduleNameMapper: {
    '^@saga/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
    '^@saga/([a-z-]+)/testing$': path.join(__dirname, 'libs/$1/src/testing/index.ts'),
  },
  testTimeout: 30000,
  reporters: ['default', path.join(__dirname, 'scripts', 'jest-results-reporter.cjs')],
};
