import { Module, type DynamicModule } from '@nestjs/common';
import { requireSettings } from '@kapi/config';
import { CONFIG, LOGGER, runService } from '@kapi/service-kit';
import { Backends } from './backends.js';
import { HttpsFrontDoor } from './http-server.js';
import { IdentityLease } from './identity-lease.js';

@Module({})
class AggregatorModule {}

void runService('aggregator', (config, logger): DynamicModule => {
  requireSettings(config, {
    authnAddrs: 'KAPI_AUTHN_ADDR',
    authzAddrs: 'KAPI_AUTHZ_ADDR',
    admissionAddrs: 'KAPI_ADMISSION_ADDR',
    registryAddrs: 'KAPI_REGISTRY_ADDR',
    watchCacheAddrs: 'KAPI_WATCH_CACHE_ADDR',
    pkiDir: 'KAPI_PKI_DIR',
  });
  return {
    module: AggregatorModule,
    providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }, Backends, HttpsFrontDoor, IdentityLease],
  };
});
