import { writeFileSync } from 'node:fs';
import {
  printClientSchemaFile,
  printPossibleTypesFile,
  printSchemaFile,
} from '../src/schema/print.ts';

// `npm run schema`: rewrites schema.graphql, schema.client.graphql and possible-types.json from
// the Pothos builder; a test fails when any of them is stale.
writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaFile());
writeFileSync(new URL('../schema.client.graphql', import.meta.url), printClientSchemaFile());
writeFileSync(new URL('../possible-types.json', import.meta.url), printPossibleTypesFile());
process.stdout.write('schema.graphql, schema.client.graphql and possible-types.json written\n');
