import { Module, type DynamicModule } from '@nestjs/common';
import { CONFIG, LOGGER, runService } from '@kapi/service-kit';
import { AuthzGrpcServer } from './authz.service.js';

@Module({})
class AuthzModule {}

void runService('authz', (config, logger): DynamicModule => ({
  module: AuthzModule,
  providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }, AuthzGrpcServer],
}));
