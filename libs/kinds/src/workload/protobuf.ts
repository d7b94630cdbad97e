// The protobuf messages of a pod template (k8s.io/api/core/v1 PodTemplateSpec), for the workload
// kinds that kubectl's generators send as protobuf (`kubectl create deployment|job|cronjob`). The
// fields are those generators and typed clients commonly set; a body that uses one of the others
// (volumes, probes, affinity...) is refused with 415 rather than stored without it.
import { objectMessage, StatusError, type FieldSchema, type MessageSchema } from '@kapi/api-machinery';
import { resourceListField } from '../resourcequota/quantity.js';
import { tolerationSchema } from '../runtimeclass/strategy.js';

const UNSUPPORTED = '$unsupported';

/** 415, in the words kube-apiserver uses for a body it cannot decode. */
function unsupportedBody(): never {
  throw new StatusError('KAPI_ERR_UNSUPPORTED_MEDIA_TYPE', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
}

/**
 * The schema with the given field numbers marked as known but not described: a message that carries
 * one is refused, so that nothing a client sent is silently dropped.
 */
function refusing(schema: MessageSchema, numbers: number[]): MessageSchema {
  const fields = { ...schema.fields };
  for (const n of numbers) fields[n] = { name: `${UNSUPPORTED}${n}`, type: 'bytes', repeated: true };
  return {
    fields,
    toJson: (m) => {
      if (Object.keys(m).some((k) => k.startsWith(UNSUPPORTED))) unsupportedBody();
      return schema.toJson ? schema.toJson(m) : m;
    },
  };
}

const strings = (name: string): FieldSchema => ({ name, type: 'string', repeated: true });
const message = (name: string, schema: () => MessageSchema, repeated = false): FieldSchema => ({ name, type: { message: schema }, repeated });

const containerPortSchema: MessageSchema = {
  fields: { 1: { name: 'name', type: 'string' }, 2: { name: 'hostPort', type: 'int32' }, 3: { name: 'containerPort', type: 'int32' }, 4: { name: 'protocol', type: 'string' }, 5: { name: 'hostIP', type: 'string' } },
};

const envVarSchema = refusing({ fields: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'string' } } }, [3]);

const containerSchema = refusing({
  fields: {
    1: { name: 'name', type: 'string' },
    2: { name: 'image', type: 'string' },
    3: strings('command'),
    4: strings('args'),
    5: { name: 'workingDir', type: 'string' },
    6: message('ports', () => containerPortSchema, true),
    7: message('env', () => envVarSchema, true),
    8: message('resources', () => refusing({ fields: { 1: resourceListField('limits'), 2: resourceListField('requests') } }, [3])),
    13: { name: 'terminationMessagePath', type: 'string' },
    14: { name: 'imagePullPolicy', type: 'string' },
    16: { name: 'stdin', type: 'bool' },
    17: { name: 'stdinOnce', type: 'bool' },
    18: { name: 'tty', type: 'bool' },
    20: { name: 'terminationMessagePolicy', type: 'string' },
  },
}, [9, 10, 11, 12, 15, 19, 21, 22, 23, 24]);

const podSpecSchema = refusing({
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
    14: message('securityContext', () => refusing({ fields: {} }, Array.from({ length: 16 }, (_, i) => i + 1))),
    16: { name: 'hostname', type: 'string' },
    17: { name: 'subdomain', type: 'string' },
    19: { name: 'schedulerName', type: 'string' },
    20: message('initContainers', () => containerSchema, true),
    21: { name: 'automountServiceAccountToken', type: 'bool', keepZero: true },
    22: message('tolerations', () => tolerationSchema, true),
    24: { name: 'priorityClassName', type: 'string' },
    29: { name: 'runtimeClassName', type: 'string' },
  },
}, [1, 15, 18, 23, 25, 26, 27, 28, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);

export const podTemplateSpecSchema = objectMessage({ spec: podSpecSchema });

/** The message of a kind with a status subresource whose status is not described: read as empty, as the body's status is not kept. */
export const workloadSchema = (spec: MessageSchema): MessageSchema => objectMessage({ spec, status: { fields: {} } });

/**
 * The status messages are not described: a status written as protobuf is refused (415) rather than
 * read as empty, which would erase the stored status. JSON status writes work.
 */
export const statusNotInProtobuf: Record<string, MessageSchema> = {
  status: { fields: {}, toJson: unsupportedBody },
};
