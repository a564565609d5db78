import { writeFileSync } from 'node:fs';
import { printPossibleTypesFile, printSchemaFile } from '../src/schema/print.ts';

// `npm run schema`: rewrites schema.graphql and possible-types.json from the Pothos builder; a
// test fails when either is stale.
writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaFile());
writeFileSync(new URL('../possible-types.json', import.meta.url), printPossibleTypesFile());
process.stdout.write('schema.graphql and possible-types.json written\n');
