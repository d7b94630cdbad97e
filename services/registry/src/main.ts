import { Module, type DynamicModule } from '@nestjs/common';
import { requireSettings } from '@kapi/config';
import { natsDependency, natsEndpoint } from '@kapi/event-bus';
import { CONFIG, LOGGER, runService } from '@kapi/service-kit';
import { etcdDependency, readEtcdTls } from '@kapi/storage';
import { Bootstrap } from './bootstrap.js';
import { BootstrapPriorityClasses } from './bootstrap-priority-classes.js';
import { BootstrapPlatform } from './bootstrap-platform.js';
import { BootstrapKubernetesService } from './bootstrap-kubernetes-service.js';
import { BootstrapServiceCidr } from './bootstrap-service-cidr.js';
import { BootstrapExtensionAuthentication } from './bootstrap-extension-authentication.js';
import { APIServiceAvailability } from './apiservice-availability.js';
import { Compactor } from './compactor.js';
import { controllerSelection } from './controllers.js';
import { CustomResourceDefinitions } from './custom-resource-definitions.js';
import { EndpointReconciler } from './endpoint-reconciler.js';
import { GarbageCollector } from './garbage-collector/garbage-collector.controller.js';
import { EventPublisher } from './event-publisher.js';
import { NamespaceLifecycleController } from './namespace-lifecycle.js';
import { ValidatingAdmissionPolicyStatus } from './policy-status.js';
import { Registry } from './registry.js';
import { quotaControllerSettings, ResourceQuotaControllerHost } from './resource-quota-controller.js';
import { RegistryGrpcServer } from './registry.grpc.js';
import { ServiceAccountController } from './service-account-controller.js';

@Module({})
class RegistryModule {}

void runService('registry', (config, logger): DynamicModule => {
  requireSettings(config, { etcdEndpoints: 'KAPI_ETCD_ENDPOINTS', natsUrl: 'KAPI_NATS_URL', admissionAddrs: 'KAPI_ADMISSION_ADDR' });
  // A controller setting that cannot work stops the start in one line, before anything runs.
  quotaControllerSettings();
  controllerSelection();
  return {
    module: RegistryModule,
    providers: [
      { provide: CONFIG, useValue: config },
      { provide: LOGGER, useValue: logger },
      Registry,
      Bootstrap,
      BootstrapPriorityClasses,
      BootstrapPlatform,
      BootstrapKubernetesService,
      BootstrapServiceCidr,
      BootstrapExtensionAuthentication,
      RegistryGrpcServer,
      EventPublisher,
      NamespaceLifecycleController,
      Compactor,
      GarbageCollector,
      EndpointReconciler,
      ServiceAccountController,
      ResourceQuotaControllerHost,
      ValidatingAdmissionPolicyStatus,
      CustomResourceDefinitions,
      APIServiceAvailability,
    ],
  };
}, {
  dependencies: (config, credentials) => [etcdDependency(config.etcdEndpoints, readEtcdTls(config.etcdTls)), natsDependency(natsEndpoint(config.natsUrl, credentials))],
});
