import neostandard from 'neostandard'

/**
 * ESLint 9 with neostandard (the Fastify organisation's config), TypeScript included.
 * One local choice: `void promise` as a statement marks a promise deliberately not awaited
 * (its errors are handled where it is created), as TypeScript's floating-promise rule expects.
 */
export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'coverage/**', '.tap/**', 'src/generated/**', 'test/package/fixtures/**']
  }),
  { rules: { 'no-void': ['error', { allowAsStatement: true }] } }
]
