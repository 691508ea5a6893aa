// ESLint for the JavaScript of the tree: the DNS Zones page's script and
// these browser tests. Only ESLint's recommended rules, with the globals of
// where each file runs. build/lint.sh runs it from the repository root:
//   tests/browser/node_modules/.bin/eslint -c tests/browser/eslint.config.mjs \
//     php/public/assets tests/browser
// (with -c, the paths below are relative to the directory ESLint runs in).
import js from '@eslint/js';
import globals from 'globals';

export default [
    { ignores: ['**/node_modules/'] },
    js.configs.recommended,
    {
        // The page's script: a classic browser script (no modules, no build step).
        files: ['php/public/assets/**/*.js'],
        languageOptions: {
            ecmaVersion: 'latest',
            sourceType: 'script',
            globals: globals.browser,
        },
    },
    {
        // The tests run in Node.js; the callbacks they hand to page.evaluate()
        // run in the page, hence the browser's globals too.
        files: ['tests/browser/**/*.mjs'],
        languageOptions: {
            ecmaVersion: 'latest',
            sourceType: 'module',
            globals: { ...globals.node, ...globals.browser },
        },
    },
];
