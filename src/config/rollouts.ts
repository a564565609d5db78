import { positiveInt } from './fields.ts';

/** ROLLOUT_MAX_UNITS (SPEC §2, §13): the most units one rollout's plan may have. */
export const rolloutVariables = {
  ROLLOUT_MAX_UNITS: positiveInt(10_000).describe(
    'The most units one rollout may have (a unit is one vendor mutation on one endpoint); a larger plan is refused with a ValidationError',
  ),
};

export interface RolloutConfig {
  /** ROLLOUT_MAX_UNITS: the most units a rollout's plan may have. */
  readonly rolloutMaxUnits: number;
}
