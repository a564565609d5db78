import { writeFileSync } from 'node:fs';
import { printSchemaFile } from '../src/schema/print.ts';

// `npm run schema`: rewrites schema.graphql from the Pothos builder; a test fails when it is stale.
writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaFile());
process.stdout.write('schema.graphql written\n');
