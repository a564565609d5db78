import { ConfigError, loadConfig } from '../../src/config/index.ts';

/** What loadConfig refuses in `env`: its ConfigError's problems, [] when it accepts it. */
export function configProblems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
