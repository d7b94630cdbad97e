// Lint for the whole workspace. Module boundaries follow two tag axes set in each package.json's
// "nx" field: scope (which service a project belongs to, or shared) and type (app, feature,
// data-access, proto, util). Apps depend on libs, libs never on apps, services never on each other.
// A lib tagged "publishable" is for users outside kapi (the admission webhook kit): it depends only on
// other publishable libs, and the examples (scope:examples) depend only on publishable libs, so that
// an example shows what a user has.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', 'proto/src/gen/**', '.kapi/**', '.nx/**', 'charts/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          // Tests may start real dependencies through the local-stack library.
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:proto'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:proto'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:proto'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:proto'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:proto'] },
            { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:aggregator', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:authn', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:authz', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:admission', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:registry', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:watch-cache', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:deploy', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:examples', onlyDependOnLibsWithTags: ['publishable'] },
            { sourceTag: 'publishable', onlyDependOnLibsWithTags: ['publishable'] },
          ],
        },
      ],
    },
  },
];
