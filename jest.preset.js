/** Shared Jest settings: TypeScript through ts-jest, tests under each package's test/ folder. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 60_000,
  // One worker per core rather than Jest's default of one fewer: most tests wait on PostgreSQL,
  // HTTP or a child process, so on two cores this halves the run.
  maxWorkers: '100%',
};
