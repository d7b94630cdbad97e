import { StackError } from './errors';
import { freePort, isPortFree } from './network';
import { BACKEND_SERVICES, BackendServiceName, DEFAULT_HOST, DEFAULT_REPLICAS, TopologyOptions, frontDoorAddress } from './topology';

/**
 * Loopback block for test stacks: far from the 127.0.0.x addresses of
 * `npm run up`, so a test never collides with a developer's running stack.
 */
export const TEST_FRONT_DOOR_BASE_ADDRESS = '127.0.1.2';

/**
 * Fills every port the caller left open with a currently free one, so parallel
 * test stacks and a running `npm run up` stack can coexist. Ports chosen here
 * are distinct from each other; another process may still take one before the
 * stack binds it, which shows up as a clear "already in use" error.
 */
export async function withFreePorts<T extends TopologyOptions>(options: T): Promise<T & TopologyOptions> {
  const host = options.host ?? DEFAULT_HOST;
  const taken = new Set<number>();
  const pick = async (onHost: string) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await freePort(onHost);
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
    throw new StackError(`cannot find a free port on ${onHost}`);
  };

  const replicas = { ...DEFAULT_REPLICAS, ...options.replicas };
  const servicePorts = { ...options.servicePorts };
  for (const service of BACKEND_SERVICES) {
    if (servicePorts[service] !== undefined) continue;
    const ports: number[] = [];
    for (let i = 0; i < replicas[service]; i++) ports.push(await pick(host));
    servicePorts[service as BackendServiceName] = ports;
  }

  const frontDoorBaseAddress = options.frontDoorBaseAddress ?? TEST_FRONT_DOOR_BASE_ADDRESS;
  const loadBalancerHost = options.loadBalancerHost ?? DEFAULT_HOST;
  return {
    ...options,
    host,
    etcdClientPort: options.etcdClientPort ?? (await pick(host)),
    etcdPeerPort: options.etcdPeerPort ?? (await pick(host)),
    natsPort: options.natsPort ?? (await pick(host)),
    natsMonitorPort: options.natsMonitorPort ?? (await pick(host)),
    servicePorts,
    frontDoorBaseAddress,
    frontDoorPort: options.frontDoorPort ?? (await pickSharedPort(frontDoorBaseAddress, replicas.aggregator, pick)),
    loadBalancerHost,
    loadBalancerPort: options.loadBalancerPort ?? (await pick(loadBalancerHost)),
    exampleWebhookPort: options.exampleWebhook ? (options.exampleWebhookPort ?? (await pick(host))) : options.exampleWebhookPort,
  };
}

/** All front doors share one port on their own addresses, so it must be free on each of them. */
async function pickSharedPort(baseAddress: string, count: number, pick: (host: string) => Promise<number>): Promise<number> {
  const addresses = Array.from({ length: count }, (_, i) => frontDoorAddress(baseAddress, i));
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await pick(addresses[0]);
    const freeEverywhere = await Promise.all(addresses.slice(1).map((address) => isPortFree(address, port)));
    if (freeEverywhere.every(Boolean)) return port;
  }
  throw new StackError(`cannot find a port free on all of ${addresses.join(', ')}`);
}
