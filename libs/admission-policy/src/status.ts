// Keeps each ValidatingAdmissionPolicy's status current, as kube's type-checking controller does:
// once per generation, the type-checking warnings are computed and written with the generation
// they describe. The registry runs it (services/registry's policy-status), fed by its watch of the
// policies in etcd, and writes through its own store's status subresource (the writer is
// injected); a write that meets a newer version is dropped, since that version's own event brings
// the policy back.
import type { ExpressionWarning, ValidatingAdmissionPolicy } from './types.js';
import { typeCheckPolicy, type TypeCheckingSources } from './typecheck.js';

export interface PolicyStatus {
  observedGeneration: number;
  typeChecking: { expressionWarnings?: ExpressionWarning[] };
}

/** The status a policy's current generation should have. */
export function policyStatus(policy: ValidatingAdmissionPolicy, sources: TypeCheckingSources): PolicyStatus {
  const warnings = typeCheckPolicy(policy, sources);
  return { observedGeneration: policy.metadata?.generation ?? 0, typeChecking: warnings.length ? { expressionWarnings: warnings } : {} };
}

/** Writes `status` to the policy (PUT .../validatingadmissionpolicies/<name>/status with its resourceVersion). */
export type PolicyStatusWriter = (policy: ValidatingAdmissionPolicy, status: PolicyStatus) => Promise<void>;

export class PolicyStatusController {
  private readonly pending = new Map<string, ValidatingAdmissionPolicy>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly sources: TypeCheckingSources,
    private readonly write: PolicyStatusWriter,
    private readonly onError: (policy: string, err: unknown) => void = () => undefined,
  ) {}

  /** Called for every added or updated policy; policies whose status is current are skipped. */
  enqueue(policy: ValidatingAdmissionPolicy): void {
    if (policy.status?.observedGeneration !== undefined && policy.status.observedGeneration === policy.metadata?.generation) return;
    this.pending.set(policy.metadata?.name ?? '', policy);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once every enqueued policy has been written (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (const [name, policy] of this.pending) {
      this.pending.delete(name);
      try {
        await this.write(policy, policyStatus(policy, this.sources));
      } catch (err) {
        this.onError(name, err);
      }
    }
  }
}
