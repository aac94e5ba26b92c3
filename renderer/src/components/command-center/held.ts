import type { CampaignDeskDb } from '../../db/database';
import type { EnrollmentRecord, StepRunRecord } from '../../db/records';

/** The step run states that say why a held send waits: refused, blocked, or an unknown outcome. */
const HELD_STATES = new Set<StepRunRecord['state']>(['blocked', 'failed', 'unknown']);

/**
 * The people held for a person's decision (`hold: 'needs-attention'`, by the `[hold+nextDueAt]`
 * index), split as the Command Center shows them: Failed when the email they wait on was
 * refused, Needs attention otherwise (blocked by a merge field, or an unknown outcome). Each
 * one's step run is read by its id (`<enrollmentId>:<stepId>`).
 */
export async function heldSplit(db: CampaignDeskDb): Promise<{
  failed: EnrollmentRecord[];
  attention: EnrollmentRecord[];
  runOf: Map<string, StepRunRecord>;
}> {
  const held = await db.enrollments
    .where('[hold+nextDueAt]')
    .between(['needs-attention', -Infinity], ['needs-attention', Infinity])
    .toArray();
  const campaigns = new Map(
    (await db.campaigns.bulkGet([...new Set(held.map((e) => e.campaignId))]))
      .filter((c) => !!c)
      .map((c) => [c!.id, c!]),
  );
  const runIds = held.map((e) => {
    const step = campaigns.get(e.campaignId)?.steps[e.nextStepIndex];
    return step ? `${e.id}:${step.id}` : '';
  });
  const runs = await db.stepRuns.bulkGet(runIds.filter((id) => id !== ''));
  const byId = new Map(runs.filter((r): r is StepRunRecord => !!r).map((r) => [r.id, r]));
  const runOf = new Map<string, StepRunRecord>();
  held.forEach((e, i) => {
    const run = byId.get(runIds[i]!);
    if (run && HELD_STATES.has(run.state)) runOf.set(e.id, run);
  });
  return {
    failed: held.filter((e) => runOf.get(e.id)?.state === 'failed'),
    attention: held.filter((e) => runOf.get(e.id)?.state !== 'failed'),
    runOf,
  };
}
