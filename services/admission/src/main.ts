import { Module, type DynamicModule } from '@nestjs/common';
import { CONFIG, LOGGER, runService } from '@kapi/service-kit';
import { AdmissionGrpcServer } from './admission.service.js';

@Module({})
class AdmissionModule {}

void runService('admission', (config, logger): DynamicModule => ({
  module: AdmissionModule,
  providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }, AdmissionGrpcServer],
}));
