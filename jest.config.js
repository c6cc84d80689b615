/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 60000,
  // Not under /tmp: a test run leaves the system temp directory as it found it.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // Most suites wait on child processes (the CLI, kubectl, iptables), not on the CPU.
  maxWorkers: 4,
};
