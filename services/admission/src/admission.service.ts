import { Inject, Injectable } from '@nestjs/common';
import { AdmissionChain, type AdmissionAttributes, type Operation } from '@kapi/admission-chain';
import { isStatusError, toStatus, type KubeObject } from '@kapi/api-machinery';
import type { ServiceConfig } from '@kapi/config';
import { healthService, toGrpcHandlers, type ServiceCredentials } from '@kapi/grpc';
import { admissionV1 } from '@kapi/proto';
import { CONFIG, CREDENTIALS, GrpcServerHost, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';

const parse = (b: Buffer) => (b.length ? (JSON.parse(b.toString('utf8')) as KubeObject) : undefined);

/** Objects are decoded only when a plugin reads them: with no plugin for an operation, nothing is parsed. */
export function toAttributes(a: admissionV1.AdmissionAttributes): AdmissionAttributes {
  let object: KubeObject | undefined;
  let oldObject: KubeObject | undefined;
  const attributes: Omit<AdmissionAttributes, 'object' | 'oldObject'> = {
    operation: a.operation as Operation,
    kind: a.kind ?? { group: '', version: '', kind: '' },
    resource: {
      group: a.resource?.group ?? '',
      version: a.resource?.version ?? '',
      resource: a.resource?.resource ?? '',
      namespace: a.resource?.namespace ?? '',
    },
    subresource: a.subresource,
    name: a.name,
    user: { username: a.user?.username ?? '', groups: a.user?.groups ?? [] },
    dryRun: a.dryRun,
  };
  return Object.defineProperties(attributes, {
    object: { enumerable: true, get: () => (object ??= parse(a.object)), set: (v: KubeObject | undefined) => (object = v) },
    oldObject: { enumerable: true, get: () => (oldObject ??= parse(a.oldObject)) },
  }) as AdmissionAttributes;
}

/** A denial travels back as the Status the client is to see. */
async function answer(fn: () => Promise<Buffer>): Promise<admissionV1.AdmissionReply> {
  try {
    return { allowed: true, object: await fn(), status: Buffer.alloc(0), warnings: [] };
  } catch (err) {
    if (!isStatusError(err)) throw err;
    return { allowed: false, object: Buffer.alloc(0), status: Buffer.from(JSON.stringify(toStatus(err))), warnings: [] };
  }
}

@Injectable()
export class AdmissionGrpcServer extends GrpcServerHost {
  /** Built-in plugins and webhooks register here; the chain starts empty. */
  readonly chain = new AdmissionChain();

  constructor(@Inject(CONFIG) config: ServiceConfig, @Inject(LOGGER) logger: Logger, @Inject(CREDENTIALS) credentials: ServiceCredentials) {
    super(config, logger, credentials);
  }

  protected services() {
    return [
      {
        definition: admissionV1.AdmissionService,
        handlers: toGrpcHandlers(
          admissionV1.AdmissionService,
          {
            mutate: (a) =>
              answer(async () => {
                const attributes = toAttributes(a);
                if (!this.chain.mutates(attributes.operation)) return Buffer.alloc(0);
                const mutated = await this.chain.mutate(attributes);
                return mutated === attributes.object ? Buffer.alloc(0) : Buffer.from(JSON.stringify(mutated));
              }),
            validate: (a) =>
              answer(async () => {
                await this.chain.validate(toAttributes(a));
                return Buffer.alloc(0);
              }),
          },
          this.logger,
        ),
      },
      healthService('admission', []),
    ];
  }
}
