// Cluster IPs and node ports for Services, allocated around the create as kube-apiserver's service
// REST storage does: before validation, released again if the Service is not stored, and released
// when it is deleted. Each allocation is an etcd key outside /registry/, so it is never mistaken for
// an object and never published as a watch event.
import { AllocationError, cidrRange, KeyAllocator, portRange } from '@kapi/allocators';
import { internalError, invalid, type FieldError, type KubeObject } from '@kapi/api-machinery';
import type { StoreHooks } from '@kapi/generic-registry';
import { needsClusterIp, needsNodePorts, serviceSpec } from '@kapi/kinds';
import type { StorageBackend } from '@kapi/storage';

export interface ServiceRanges {
  clusterIpRange: string;
  nodePortRange: [number, number];
}

/**
 * The IPAddress objects kube's allocator keeps for the cluster IPs it hands out. kapi's record of an
 * allocation is its key; these objects mirror it for clients that read them, at best effort (a
 * failure never undoes the Service's write).
 */
export interface AddressRecords {
  record(ip: string, service: { namespace: string; name: string }): Promise<void>;
  forget(ip: string): Promise<void>;
}

export function serviceRangesFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceRanges {
  const clusterIpRange = env.KAPI_SERVICE_CLUSTER_IP_RANGE || '10.96.0.0/12';
  cidrRange(clusterIpRange);
  const ports = (env.KAPI_SERVICE_NODE_PORT_RANGE || '30000-32767').match(/^(\d+)-(\d+)$/);
  if (!ports || Number(ports[1]) > Number(ports[2])) throw new Error(`KAPI_SERVICE_NODE_PORT_RANGE=${env.KAPI_SERVICE_NODE_PORT_RANGE} is not a port range like 30000-32767`);
  return { clusterIpRange, nodePortRange: [Number(ports[1]), Number(ports[2])] };
}

const goStrings = (values: string[]) => `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;

export function serviceAllocationHooks(backend: StorageBackend, ranges: ServiceRanges, addresses?: AddressRecords): StoreHooks {
  const ips = new KeyAllocator(backend, '/kapi/allocations/serviceips', cidrRange(ranges.clusterIpRange));
  const [first, last] = ranges.nodePortRange;
  const nodePorts = new KeyAllocator(backend, '/kapi/allocations/nodeports', portRange(first, last));

  const releaseAll = async (obj: KubeObject) => {
    const spec = serviceSpec(obj);
    if (spec.clusterIP && spec.clusterIP !== 'None' && spec.type !== 'ExternalName') {
      await ips.release(spec.clusterIP);
      await addresses?.forget(spec.clusterIP);
    }
    for (const p of spec.ports ?? []) if (p.nodePort) await nodePorts.release(p.nodePort);
  };

  return {
    async beginCreate(obj, ctx) {
      const spec = serviceSpec(obj);
      const owner = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
      const taken: { ip?: string; ports: number[] } = { ports: [] };
      const release = async () => {
        if (taken.ip) await ips.release(taken.ip);
        for (const p of taken.ports) await nodePorts.release(p);
      };
      const errors: FieldError[] = [];
      try {
        if (needsClusterIp(spec)) {
          if (spec.clusterIP) {
            try {
              await ips.allocate(spec.clusterIP, owner);
              taken.ip = spec.clusterIP;
            } catch (err) {
              if (!(err instanceof AllocationError)) throw err;
              const why =
                err.reason === 'AlreadyAllocated'
                  ? 'provided IP is already allocated'
                  : `the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${ranges.clusterIpRange}`;
              errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', detail: `Invalid value: ${goStrings([spec.clusterIP])}: failed to allocate IP ${spec.clusterIP}: ${why}` });
            }
          } else {
            taken.ip = await ips.allocateNext(owner);
            spec.clusterIP = taken.ip;
          }
          if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
        }
        if (needsNodePorts(spec)) {
          for (const [i, p] of (spec.ports ?? []).entries()) {
            if (p.nodePort) {
              try {
                await nodePorts.allocate(p.nodePort, owner);
                taken.ports.push(p.nodePort);
              } catch (err) {
                if (!(err instanceof AllocationError)) throw err;
                const why =
                  err.reason === 'AlreadyAllocated'
                    ? 'provided port is already allocated'
                    : `provided port is not in the valid range. The range of valid ports is ${first}-${last}`;
                errors.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, detail: `Invalid value: ${p.nodePort}: ${why}` });
              }
            } else {
              p.nodePort = await nodePorts.allocateNext(owner);
              taken.ports.push(p.nodePort);
            }
          }
        }
      } catch (err) {
        await release();
        if (err instanceof AllocationError && err.reason === 'Full') {
          throw internalError(`failed to allocate a ${taken.ip || !needsClusterIp(spec) ? 'nodePort' : 'serviceIP'}: range is full`);
        }
        throw err;
      }
      if (errors.length) {
        await release();
        throw invalid('Service', '', obj.metadata?.name ?? '', errors);
      }
      obj.spec = spec;
      // A dry run shows what would be allocated but keeps nothing.
      return async (succeeded) => {
        if (!succeeded || ctx.dryRun) return release();
        if (taken.ip) await addresses?.record(taken.ip, { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' });
      };
    },
    afterDelete: releaseAll,
  };
}
