import { startDemoSimulators } from './demo.ts';

/**
 * `npm run simulators`: the vendor simulators alone, with fixture data, and the environment that
 * points a plugin-graph at them (for trying a configured setup by hand).
 */
const demo = await startDemoSimulators();
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
