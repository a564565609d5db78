import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigTables } from './config-doc.ts';

// `npm run config-doc`: rewrites the generated tables of docs/configuration.md from the zod
// schema's descriptions and defaults (src/config/); a test fails when the committed page is stale.
const page = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(page, withConfigTables(readFileSync(page, 'utf8')));
process.stdout.write('docs/configuration.md written\n');
