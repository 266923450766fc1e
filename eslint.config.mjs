// @ts-check
import path from 'node:path';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first (a list in the list: peers on one level, which may not import each other). A folder may import from its own folder and from folders
 * before it in this list, never from one after it: data flows inputs → settings → rollout →
 * (strategy, lb, checks through the transport) → report, and the entry points sit on top.
 * Files directly in src/ (index.ts, main.ts, post.ts) are the top layer.
 */
export const LAYERS = [
  'bundle', //     build shims, imported by nothing
  'runtime', //    the runner's own side effects: clock, local shell, log, polling
  'transport', //  SSH connections and host keys
  'remote', //     every remote command, built and quoted in one place; the host they run on
  'settings', //   inputs → typed, validated Settings
  'report', //     the report's shape, the phase recorder, the job summary's markdown
  'inspect', //    what a unit's properties mean
  'lb', //         load-balancer adapters
  'checks', //     readiness, in-flight counts, the error check and its sources
  'strategies', // what "change" means: reload or restart
  'rollout', //    the fleet loop and the per-host flow
  'app', //        settings → rollout → result, shared by every entry point
  ['action', 'cli'], // the entry points' I/O behind the app's interfaces: the GitHub Action's
  //                 (@actions/core), the command line's. Peers: neither imports the other.
];

/** The layer index of a file under src/, or LAYERS.length for files directly in src/. */
function layerOf(file) {
  const rel = path.relative(path.resolve('src'), file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(path.sep);
  if (parts.length === 1) return { index: LAYERS.length, name: 'src/' };
  const index = LAYERS.findIndex((l) => (Array.isArray(l) ? l.includes(parts[0]) : l === parts[0]));
  return { index: index < 0 ? -1 : index, name: parts[0] };
}

/** @type {import('eslint').Rule.RuleModule} */
const importsPointDown = {
  meta: { type: 'problem', schema: [], docs: { description: 'src/ folders import only from their own layer or the layers below (LAYERS in eslint.config.mjs)' } },
  create(context) {
    const from = layerOf(context.filename);
    if (!from) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = layerOf(path.resolve(path.dirname(context.filename), source));
      if (!to) return;
      if (from.index === -1 || to.index === -1) {
        const name = from.index === -1 ? from.name : to.name;
        context.report({ node, message: `src/${name}/ is not in LAYERS (eslint.config.mjs): give it a place in the layer order.` });
      } else if (to.index === from.index && to.name !== from.name) {
        context.report({ node, message: `${from.name} may not import from ${to.name}, its peer (LAYERS in eslint.config.mjs); move the shared piece down.` });
      } else if (to.index > from.index) {
        context.report({ node, message: `${from.name} may not import from ${to.name}, a layer above it (LAYERS in eslint.config.mjs); move the shared piece down.` });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Only the entry points and action/ may talk to the runner; the rest gets interfaces.
      'no-restricted-imports': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { layers: { rules: { 'imports-point-down': importsPointDown } } },
    rules: {
      'layers/imports-point-down': 'error',
      // Files small enough to read in one sitting, functions that fit on a screen.
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/post.ts', 'src/index.ts', 'src/action/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['@actions/core', '@actions/exec'] }],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
