import { Module, type DynamicModule } from '@nestjs/common';
import { requireSettings } from '@kapi/config';
import { natsDependency, natsEndpoint } from '@kapi/event-bus';
import { CONFIG, LOGGER, runService } from '@kapi/service-kit';
import { CacheSync } from './cache-sync.js';
import { WatchCacheGrpcServer } from './watch-cache.grpc.js';

@Module({})
class WatchCacheModule {}

void runService('watch-cache', (config, logger): DynamicModule => {
  requireSettings(config, { natsUrl: 'KAPI_NATS_URL', registryAddrs: 'KAPI_REGISTRY_ADDR' });
  return {
    module: WatchCacheModule,
    providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }, CacheSync, WatchCacheGrpcServer],
  };
}, { dependencies: (config, credentials) => [natsDependency(natsEndpoint(config.natsUrl, credentials))] });
