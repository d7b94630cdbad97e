// admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration: the webhooks the admission chain
// calls to accept or refuse objects; the same shape as mutating webhooks, less reinvocationPolicy.
import { webhookConfigurationStrategy } from '../admissionregistration/webhooks.js';

export const validatingWebhookConfigurationStrategy = webhookConfigurationStrategy('ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false);
