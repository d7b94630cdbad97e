// kapi's own copies of kube-controller-manager's controllers, and which of them run
// (KAPI_CONTROLLERS, kube-controller-manager's --controllers syntax; by default all, so that a
// cluster without a controller-manager works). They run once per cluster: in the registry replica
// that leads (EventPublisher's election), started when its term begins and stopped when it ends.
// What kube-apiserver itself runs (the endpoint reconciler, APIService availability, the CRD
// controllers, compaction) is not chosen here: kapi always runs it.
import type { Logger } from '@kapi/telemetry';
import { parseControllers, type ControllerSelection, type KnownController } from '@kapi/config';
import { whileLeading, type Leadership, type LeaderOnly } from '@kapi/storage';

export const NAMESPACE_CONTROLLER = 'namespace-controller';
export const GARBAGE_COLLECTOR_CONTROLLER = 'garbage-collector-controller';
export const SERVICE_ACCOUNT_CONTROLLER = 'serviceaccount-controller';
export const RESOURCE_QUOTA_CONTROLLER = 'resourcequota-controller';
export const POLICY_STATUS_CONTROLLER = 'validatingadmissionpolicy-status-controller';

/** kube-controller-manager's names (and the older aliases its --controllers still takes). */
export const KAPI_CONTROLLERS: readonly KnownController[] = [
  { name: NAMESPACE_CONTROLLER, alias: 'namespace' },
  { name: GARBAGE_COLLECTOR_CONTROLLER, alias: 'garbagecollector' },
  { name: SERVICE_ACCOUNT_CONTROLLER, alias: 'serviceaccount' },
  { name: RESOURCE_QUOTA_CONTROLLER, alias: 'resourcequota' },
  { name: POLICY_STATUS_CONTROLLER },
];

/** KAPI_CONTROLLERS, read once; an unknown name stops the start. */
export function controllerSelection(env: NodeJS.ProcessEnv = process.env): ControllerSelection {
  return parseControllers(env.KAPI_CONTROLLERS, KAPI_CONTROLLERS);
}

/**
 * Runs the controller `name` on the leader only, if KAPI_CONTROLLERS selects it; the result stops
 * it for good (at shutdown).
 */
export function runSelectedController(
  name: string,
  leadership: Leadership,
  controller: LeaderOnly,
  logger: Logger,
  selection: ControllerSelection = controllerSelection(),
): () => Promise<void> {
  if (!selection.enabled(name)) {
    logger.info('controller disabled by KAPI_CONTROLLERS: another controller manager runs it', { controller: name });
    return async () => {};
  }
  return whileLeading(
    leadership,
    {
      start: async () => {
        logger.info('starting controller on the leader', { controller: name });
        await controller.start();
      },
      stop: async () => {
        logger.info('stopping controller: no longer the leader', { controller: name });
        await controller.stop();
      },
    },
    (err) => logger.warn('controller failed to start or stop', { controller: name, err }),
  );
}
