import { readFileSync } from 'node:fs';

/**
 * The node flags `npm start` runs src/server.ts with (package.json `scripts.start`, less the
 * `--import tsx` every server process of the bench gets anyway), so a measured server is tuned
 * as the one users run: today the young generation's floor (bench/PROFILING.md, "Added p99
 * after idle").
 */
export function startNodeFlags(packageJson = 'package.json'): string[] {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? '').split(/\s+/).filter(Boolean);
  // `tsx src/server.ts`: what npm start was before the flags (an older checkout, bench/ab.ts).
  if (words[0] === 'tsx') return [];
  if (words[0] !== 'node')
    throw new Error(`npm start is not a node command: ${pkg.scripts?.start}`);
  const flags: string[] = [];
  for (let i = 1; i < words.length && words[i]?.startsWith('--'); i++) {
    if (words[i] === '--import' && words[i + 1] === 'tsx') i++;
    else flags.push(words[i] as string);
  }
  return flags;
}
