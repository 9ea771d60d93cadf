// Generates src/api/schema.d.ts from the server's OpenAPI document, or checks that the
// committed file still matches it:
//
//   node scripts/api-types.mjs http://127.0.0.1:8080/api/v1/openapi.json          (write)
//   node scripts/api-types.mjs ../target/openapi.json --check                      (compare)
//
// The browser tests run the check against the live server, so a backend change that
// alters the API's shape fails `make test` until the types are regenerated.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

export const schemaFile = join(dirname(fileURLToPath(import.meta.url)), '../src/api/schema.d.ts');

const BANNER = '// Generated from /api/v1/openapi.json by scripts/api-types.mjs. Do not edit.\n\n';

/**
 * References to schemas the document does not define become `unknown` (and are reported),
 * so that one gap in the document does not block the rest of the types.
 * @param {any} doc
 * @returns {string[]} the unresolved references
 */
function patchUnresolved(doc) {
  const defined = new Set(Object.keys(doc.components?.schemas ?? {}));
  /** @type {Set<string>} */
  const missing = new Set();
  /** @param {any} node */
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/') && !defined.has(ref.slice(21))) {
      missing.add(ref);
      delete node.$ref;
      return;
    }
    Object.values(node).forEach(walk);
  };
  walk(doc);
  return [...missing];
}

/**
 * @param {any} doc the OpenAPI document (modified in place)
 * @returns {Promise<{ text: string, unresolved: string[] }>}
 */
export async function generate(doc) {
  const unresolved = patchUnresolved(doc);
  const ast = await openapiTS(doc, { alphabetize: true });
  return { text: BANNER + astToString(ast), unresolved };
}

/** @param {string} source a URL or a file */
async function load(source) {
  if (/^https?:\/\//.test(source)) return (await fetch(source)).json();
  return JSON.parse(readFileSync(source, 'utf8'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [source, flag] = process.argv.slice(2);
  if (!source) {
    console.error('usage: node scripts/api-types.mjs <openapi.json URL or file> [--check]');
    process.exit(2);
  }
  const { text, unresolved } = await generate(await load(source));
  for (const r of unresolved) console.warn(`warning: the document references ${r} but does not define it (typed as unknown)`);
  if (flag === '--check') {
    if (readFileSync(schemaFile, 'utf8') !== text) {
      console.error('src/api/schema.d.ts differs from the server\'s OpenAPI document: run `npm run types`');
      process.exit(1);
    }
  } else {
    writeFileSync(schemaFile, text);
  }
}
