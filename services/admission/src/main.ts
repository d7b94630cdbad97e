import { Module, type DynamicModule } from '@nestjs/common';
import { admissionSettingsFromEnv, enabledPlugins } from '@kapi/admission-plugins';
import { CONFIG, LOGGER, runService } from '@kapi/service-kit';
import { ADMISSION_SETTINGS, AdmissionGrpcServer } from './admission.service.js';
import { admissionPlugins } from './plugins.js';

@Module({})
class AdmissionModule {}

void runService('admission', (config, logger): DynamicModule => {
  // The admission flags (and the webhooks' exempt namespaces) are checked before anything starts: a bad one stops the start in one line.
  const settings = admissionSettingsFromEnv();
  enabledPlugins(settings, admissionPlugins(config));
  return {
    module: AdmissionModule,
    providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: logger }, { provide: ADMISSION_SETTINGS, useValue: settings }, AdmissionGrpcServer],
  };
});
