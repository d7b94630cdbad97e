// admissionregistration.k8s.io/v1 MutatingWebhookConfiguration: the webhooks the admission chain
// calls to mutate objects; each may ask to be called again (reinvocationPolicy, default Never).
import { webhookConfigurationStrategy } from '../admissionregistration/webhooks.js';

export const mutatingWebhookConfigurationStrategy = webhookConfigurationStrategy('MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', true);
