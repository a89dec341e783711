// ESLint flat config: typescript-eslint's type-aware recommended rules over src, test and bench.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'bin/*.js'] }, tsconfigRootDir: import.meta.dirname },
      globals: { process: 'readonly', console: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // node:test's test() and describe() return promises that the runner itself awaits.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  // The dependency direction (cli -> node -> runtime / controlplane -> policy -> api): a layer
  // never imports one above it or beside it. `src/*.ts` (errors, config, version, pki) serve all.
  ...Object.entries({
    'src/node/**': ['controlplane', 'cli'],
    'src/cli/**': [],
    'src/controlplane/**': ['node', 'runtime', 'cli'],
    'src/runtime/**': ['node', 'controlplane', 'cli'],
    'src/webhook/**': ['node', 'runtime', 'controlplane', 'cli'],
    'src/lint/**': ['node', 'runtime', 'controlplane', 'cli', 'webhook'],
    'src/policy/**': ['webhook', 'lint', 'node', 'runtime', 'controlplane', 'cli'],
    'src/api/**': ['policy', 'webhook', 'lint', 'node', 'runtime', 'controlplane', 'cli'],
  }).map(([files, above]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...above.map((layer) => ({ regex: `^(\\.\\./)+${layer}/`, message: `${files.split('/')[1]} does not import ${layer}: dependencies run cli -> node -> runtime / controlplane -> policy -> api` })),
          // Above the runtime, containers are driven through ContainerRuntime (runtime/index.ts) only:
          // a backend's records, cgroups, monitor and on-disk layout are its own.
          ...(above.includes('runtime') || files.startsWith('src/runtime/') ? [] : [{
            regex: '^(\\.\\./)+runtime/(linux/|cgroup/|monitor/|container\\.js$|sandbox\\.js$|data-dir\\.js$|volumes\\.js$)',
            message: 'use ContainerRuntime from runtime/index.js: the runtime\'s records, cgroups, monitor and layout are private to it',
          }]),
        ],
      }],
    },
  })),
  {
    files: ['bin/*.js', 'src/cli/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The installed entry point is CommonJS (bin/package.json): it starts without the ES module loader.
    files: ['bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
