// The protobuf messages of a pod template (k8s.io/api/core/v1 PodTemplateSpec), for the workload
// kinds that kubectl's generators send as protobuf (`kubectl create deployment|job|cronjob`). The
// fields are those generators and typed clients commonly set; others are skipped when decoding.
import { objectMetaSchema, StatusError, type FieldSchema, type MessageSchema } from '@kapi/api-machinery';
import { resourceListField } from '../resourcequota/quantity.js';
import { tolerationSchema } from '../runtimeclass/strategy.js';

const strings = (name: string): FieldSchema => ({ name, type: 'string', repeated: true });
const message = (name: string, schema: () => MessageSchema, repeated = false): FieldSchema => ({ name, type: { message: schema }, repeated });

const containerPortSchema: MessageSchema = {
  fields: { 1: { name: 'name', type: 'string' }, 2: { name: 'hostPort', type: 'int32' }, 3: { name: 'containerPort', type: 'int32' }, 4: { name: 'protocol', type: 'string' }, 5: { name: 'hostIP', type: 'string' } },
};

const envVarSchema: MessageSchema = { fields: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'string' } } };

const containerSchema: MessageSchema = {
  fields: {
    1: { name: 'name', type: 'string' },
    2: { name: 'image', type: 'string' },
    3: strings('command'),
    4: strings('args'),
    5: { name: 'workingDir', type: 'string' },
    6: message('ports', () => containerPortSchema, true),
    7: message('env', () => envVarSchema, true),
    8: message('resources', () => ({ fields: { 1: resourceListField('limits'), 2: resourceListField('requests') } })),
    13: { name: 'terminationMessagePath', type: 'string' },
    14: { name: 'imagePullPolicy', type: 'string' },
    16: { name: 'stdin', type: 'bool' },
    17: { name: 'stdinOnce', type: 'bool' },
    18: { name: 'tty', type: 'bool' },
    20: { name: 'terminationMessagePolicy', type: 'string' },
  },
};

const podSpecSchema: MessageSchema = {
  fields: {
    2: message('containers', () => containerSchema, true),
    3: { name: 'restartPolicy', type: 'string' },
    4: { name: 'terminationGracePeriodSeconds', type: 'int64', keepZero: true },
    5: { name: 'activeDeadlineSeconds', type: 'int64', keepZero: true },
    6: { name: 'dnsPolicy', type: 'string' },
    7: { name: 'nodeSelector', type: { map: ['string', 'string'] } },
    8: { name: 'serviceAccountName', type: 'string' },
    9: { name: 'serviceAccount', type: 'string' },
    10: { name: 'nodeName', type: 'string' },
    11: { name: 'hostNetwork', type: 'bool' },
    12: { name: 'hostPID', type: 'bool' },
    13: { name: 'hostIPC', type: 'bool' },
    14: message('securityContext', () => ({ fields: {} })),
    16: { name: 'hostname', type: 'string' },
    17: { name: 'subdomain', type: 'string' },
    19: { name: 'schedulerName', type: 'string' },
    20: message('initContainers', () => containerSchema, true),
    21: { name: 'automountServiceAccountToken', type: 'bool', keepZero: true },
    22: message('tolerations', () => tolerationSchema, true),
    24: { name: 'priorityClassName', type: 'string' },
    29: { name: 'runtimeClassName', type: 'string' },
  },
};

export const podTemplateSpecSchema: MessageSchema = {
  fields: { 1: message('metadata', () => objectMetaSchema), 2: message('spec', () => podSpecSchema) },
};

/** A top-level kind: metadata, spec and status, with the spec's own message. */
export function workloadSchema(spec: MessageSchema): MessageSchema {
  return { fields: { 1: message('metadata', () => objectMetaSchema), 2: message('spec', () => spec), 3: message('status', () => ({ fields: {} })) } };
}

/**
 * The status messages are not described: a status written as protobuf is refused (415) rather than
 * read as empty, which would erase the stored status. JSON status writes work.
 */
export const statusNotInProtobuf: Record<string, MessageSchema> = {
  status: {
    fields: {},
    toJson: () => {
      throw new StatusError('KAPI_ERR_UNSUPPORTED_MEDIA_TYPE', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
    },
  },
};
