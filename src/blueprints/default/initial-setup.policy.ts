/**
 * The initial-setup flow's policies (authentik's flow-oobe.yaml): the flow applies only while
 * akadmin has no usable password ("default-oobe-flow-set-password"), and it acts on akadmin
 * ("default-oobe-prefill-user" sets the pending user). Tessera adds a claim taken in the
 * transaction that writes akadmin: of two people finishing the setup at once, only the first
 * to commit sets the password; the other's write is rolled back and refused. The claim also
 * keeps the setup from running again later.
 */
import { ADMIN_USERNAME } from '../../core/bootstrap/bootstrap.service.js';
import { PLAN_CONTEXT_PENDING_USER } from '../../flows/executor/context-keys.js';
import { NOT_APPLICABLE } from '../../flows/executor/planner.js';
import type { FlowPolicy } from '../../flows/executor/stage-registry.js';
import { createInitialSetupRepository } from './default-flows.repository.js';
import { INITIAL_SETUP_FLOW } from './default-flows.service.js';

const CLAIM = 'tessera/initial_setup_done';

export const initialSetupPolicy: FlowPolicy = {
  slug: INITIAL_SETUP_FLOW,
  async plan(db) {
    const admin = await createInitialSetupRepository(db).pendingAdmin(ADMIN_USERNAME, CLAIM);
    if (admin === undefined) return { refused: NOT_APPLICABLE };
    return { context: { [PLAN_CONTEXT_PENDING_USER]: admin } };
  },
  async userWritten(tx) {
    return (await createInitialSetupRepository(tx).claim(CLAIM)) ? null : NOT_APPLICABLE;
  },
};

/** Whether the initial setup can still run (for the start log). */
export async function initialSetupOpen(db: Parameters<FlowPolicy['plan']>[0]): Promise<boolean> {
  return 'context' in (await initialSetupPolicy.plan(db));
}
