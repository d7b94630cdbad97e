import { Module, type DynamicModule } from '@nestjs/common';
import { CONFIG, LOGGER, runService } from '@kapi/service-kit';
import { AuthnGrpcServer } from './authn.service.js';

@Module({})
class AuthnModule {}

void runService('authn', (config, logger): DynamicModule => ({
  module: AuthnModule,
  providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }, AuthnGrpcServer],
}));
