// kube's cluster-authentication-trust controller: the kube-system/extension-apiserver-authentication
// ConfigMap, from which a standard aggregated API server (k8s.io/apiserver's delegated
// authentication) learns whom to trust: the CA of users' client certificates (client-ca-file), and
// for requests the front door proxies, the front-proxy CA, the client certificate names it accepts
// and the X-Remote-* header names (the requestheader-* keys, JSON arrays as kube writes them). Written
// at start and kept, as kube's controller keeps it: looked at again every minute, created when
// absent, its data put back when it differs from this cluster's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { isStatusError, type KubeObject } from '@kapi/api-machinery';
import { EXTENSION_AUTHENTICATION_CONFIGMAP } from '@kapi/authorization';
import type { ServiceConfig } from '@kapi/config';
import { CONFIG, LOGGER } from '@kapi/service-kit';
import type { Logger } from '@kapi/telemetry';
import { Registry, SYSTEM_USER } from './registry.js';
import { RetryingBootstrap } from './retrying-bootstrap.js';

/** The names the front door's proxy sends and its client certificate carries (as kubeadm configures kube). */
export const REQUEST_HEADER_SETTINGS = {
  allowedNames: ['front-proxy-client'],
  usernameHeaders: ['X-Remote-User'],
  groupHeaders: ['X-Remote-Group'],
  extraHeadersPrefix: ['X-Remote-Extra-'],
};

/** The ConfigMap's data, as kube's controller writes it. */
export function extensionAuthenticationData(clientCa: string, requestHeaderCa: string): Record<string, string> {
  return {
    'client-ca-file': clientCa,
    'requestheader-client-ca-file': requestHeaderCa,
    'requestheader-allowed-names': JSON.stringify(REQUEST_HEADER_SETTINGS.allowedNames),
    'requestheader-username-headers': JSON.stringify(REQUEST_HEADER_SETTINGS.usernameHeaders),
    'requestheader-group-headers': JSON.stringify(REQUEST_HEADER_SETTINGS.groupHeaders),
    'requestheader-extra-headers-prefix': JSON.stringify(REQUEST_HEADER_SETTINGS.extraHeadersPrefix),
  };
}

const sameData = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  !!a && Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/** How often the ConfigMap is looked at again (kube's controller resyncs every minute). */
const RESYNC_MS = 60_000;

@Injectable()
export class BootstrapExtensionAuthentication extends RetryingBootstrap {
  private resync?: NodeJS.Timeout;
  private warned = false;

  constructor(
    private readonly registry: Registry,
    @Inject(CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  override async onApplicationBootstrap(): Promise<void> {
    await super.onApplicationBootstrap();
    this.resync = setInterval(() => void this.attempt(true), RESYNC_MS);
    this.resync.unref();
  }

  override onApplicationShutdown(): void {
    clearInterval(this.resync);
    super.onApplicationShutdown();
  }

  protected async attempt(logFailure: boolean): Promise<boolean> {
    const { pkiDir } = this.config;
    let data: Record<string, string>;
    try {
      data = extensionAuthenticationData(readFileSync(join(pkiDir, 'ca.crt'), 'utf8'), readFileSync(join(pkiDir, 'front-proxy-ca.crt'), 'utf8'));
    } catch (err) {
      // Without the front-proxy CA there is nothing an aggregated server could trust: said once, not retried.
      if (this.warned) return true;
      this.warned = true;
      this.logger.warn(`not publishing kube-system/${EXTENSION_AUTHENTICATION_CONFIGMAP}: the CAs in KAPI_PKI_DIR cannot be read`, { err: (err as Error).message });
      return true;
    }
    const ctx = { user: SYSTEM_USER, dryRun: false, fieldManager: 'kube-apiserver' };
    const store = this.registry.store('', 'configmaps');
    try {
      let current: KubeObject | undefined;
      try {
        current = await store.get('kube-system', EXTENSION_AUTHENTICATION_CONFIGMAP);
      } catch (err) {
        if (!(isStatusError(err) && err.httpCode === 404)) throw err;
      }
      if (!current) {
        await store.create('kube-system', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: EXTENSION_AUTHENTICATION_CONFIGMAP, namespace: 'kube-system' }, data }, ctx);
        this.logger.info('created bootstrap object', { resource: 'configmaps', name: `kube-system/${EXTENSION_AUTHENTICATION_CONFIGMAP}` });
      } else if (!sameData(current.data as Record<string, string> | undefined, data)) {
        await store.update('kube-system', EXTENSION_AUTHENTICATION_CONFIGMAP, { ...current, data }, ctx);
        this.logger.info('updated bootstrap object', { resource: 'configmaps', name: `kube-system/${EXTENSION_AUTHENTICATION_CONFIGMAP}` });
      }
      return true;
    } catch (err) {
      if (logFailure) this.logger.warn(`cannot publish kube-system/${EXTENSION_AUTHENTICATION_CONFIGMAP} yet; retrying`, { err });
      return false;
    }
  }
}
