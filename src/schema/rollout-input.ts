import { builder } from './builder.ts';
import { InstallationStatusEnum } from './installation.ts';
import { PluginActionEnum } from './sdm.ts';
import { DeleteModeEnum } from './zstack.ts';

/** `StartRolloutInput` (SPEC §13): the action, where, and the rate controls. */

const input = <T extends string>(name: string, description: string, fields: readonly T[]) =>
  builder.inputType(name, {
    description,
    fields: (t) =>
      Object.fromEntries(fields.map((f) => [f, t.string({ required: true })])) as Record<
        T,
        ReturnType<typeof t.string>
      >,
  });

const RolloutActionInput = builder.inputType('RolloutActionInput', {
  description:
    'The mutation each unit runs, with its input minus `endpoint` (and, for HSS, minus the hosts): exactly one field set',
  fields: (t) => ({
    installUpdate: t.field({
      type: input(
        'RolloutInstallUpdateInput',
        'installUpdate on each appliance that offers the version',
        ['version'],
      ),
    }),
    performPluginAction: t.field({
      type: builder.inputType('RolloutPerformPluginActionInput', {
        description: 'performPluginAction on each SDM endpoint that has the plug-in',
        fields: (f) => ({
          pluginId: f.id({ required: true }),
          action: f.field({ type: PluginActionEnum, required: true }),
        }),
      }),
    }),
    startPlugin: t.field({
      type: input('RolloutStartPluginInput', 'startPlugin on the selected HSS hosts', [
        'pluginCode',
      ]),
    }),
    stopPlugin: t.field({
      type: input('RolloutStopPluginInput', 'stopPlugin on the selected HSS hosts', ['pluginCode']),
    }),
    refreshPluginDrivers: t.field({
      type: builder.inputType('RolloutRefreshPluginDriversInput', {
        description: 'refreshPluginDrivers on each ZStack endpoint',
        fields: (f) => ({ name: f.string() }),
      }),
    }),
    deletePluginDriver: t.field({
      type: builder.inputType('RolloutDeletePluginDriverInput', {
        description: 'deletePluginDriver on each ZStack endpoint that has the driver',
        fields: (f) => ({
          pluginId: f.id({ required: true }),
          deleteMode: f.field({ type: DeleteModeEnum }),
        }),
      }),
    }),
    installSuperClientPlugin: t.field({
      type: input(
        'RolloutInstallSuperClientPluginInput',
        'installSuperClientPlugin on each KorAP endpoint that has the plugin',
        ['clientId'],
      ),
    }),
    uninstallSuperClientPlugin: t.field({
      type: input(
        'RolloutUninstallSuperClientPluginInput',
        'uninstallSuperClientPlugin on each KorAP endpoint that has the plugin',
        ['clientId'],
      ),
    }),
  }),
});

export const StartRolloutInputRef = builder.inputType('StartRolloutInput', {
  fields: (t) => ({
    action: t.field({ type: RolloutActionInput, required: true }),
    endpoints: t.stringList({
      description:
        "The endpoints to act on, by name; default every endpoint of the action's backend",
    }),
    hostIds: t.idList({
      description: 'HSS only: these hosts (global or native ids); default: see installationStatus',
    }),
    installationStatus: t.field({
      type: [InstallationStatusEnum],
      description:
        "HSS only, without hostIds: every host of each endpoint whose installation of the plugin is in one of these states (default: not yet in the action's target state, and installed)",
    }),
    maxConcurrency: t.string({
      defaultValue: '1',
      description: 'Units running at once: "N" or "N%" of all units (at least 1)',
    }),
    maxErrors: t.string({
      defaultValue: '0',
      description: 'Failed units tolerated: "N" or "N%"; one more halts the rollout (HALTED)',
    }),
    canary: t.int({
      defaultValue: 0,
      description: 'The first N units run first, alone; the rest only if all of them succeed',
    }),
    pauseAfterCanary: t.boolean({
      defaultValue: false,
      description: 'After a successful canary, wait in PAUSED for resumeRollout',
    }),
    hostsPerUnit: t.int({
      defaultValue: 50,
      description: 'HSS: hosts one vendor call carries (1..200)',
    }),
    dryRun: t.boolean({
      defaultValue: false,
      description: 'Plan only: the rollout comes back PLANNED with its units; no vendor call',
    }),
  }),
});
