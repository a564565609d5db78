import { simulatorScaleFromEnv } from '../config/simulator-scale.ts';
import { startDemoSimulators } from './fleet.ts';

/**
 * `npm run simulators`: the vendor simulators alone, with fixture data, and the environment that
 * points a plugin-graph at them (for trying a configured setup by hand). SIMULATOR_SCALE works
 * here as in demo mode.
 */
// SIMULATOR_SCALE as in demo mode; a bad value stops here, naming the variable.
const demo = await startDemoSimulators(simulatorScaleFromEnv());
const env = demo.environment();
process.stdout.write('# plugin-graph simulators are running. Point a server at them with:\n');
for (const [name, value] of Object.entries(env))
  process.stdout.write(`export ${name}='${value}'\n`);
process.stdout.write(
  "export PLUGIN_GRAPH_AUTH='none'\n# then: npm start   (Ctrl-C here stops the simulators)\n",
);

const stop = () => void demo.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
