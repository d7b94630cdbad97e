// The IPAddress objects that mirror Services' cluster IPs (see AddressRecords), written through the
// ipaddresses store as the API server itself. Best effort: an address someone else already
// recorded, or one already gone, is left as it is, and no failure reaches the Service's client.
import type { GenericStore, WriteContext } from '@kapi/generic-registry';
import { serviceIpAddress } from '@kapi/kinds';
import type { AddressRecords } from './service-allocation.js';

/** `user`: the API server's own identity, in which the objects are written. */
export function serviceAddressRecords(store: () => GenericStore, user: WriteContext['user']): AddressRecords {
  const ctx = { user, dryRun: false, fieldManager: 'kube-apiserver' };
  return {
    async record(ip, service) {
      await store()
        .create(undefined, serviceIpAddress(ip, service), ctx)
        .catch(() => undefined);
    },
    async forget(ip) {
      await store()
        .delete(undefined, ip, {}, ctx)
        .catch(() => undefined);
    },
  };
}
