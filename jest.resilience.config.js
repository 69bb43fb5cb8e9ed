/** `npm run test:resilience`: the real processes under fault; apart from `npm test` (it takes minutes). */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/resilience/**/*.resilience.ts'],
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 240000,
  maxWorkers: 1,
};
