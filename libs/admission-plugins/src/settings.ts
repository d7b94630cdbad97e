// The admission settings of kube-apiserver's flags, read from the environment once at start:
// KAPI_ENABLE_ADMISSION_PLUGINS / KAPI_DISABLE_ADMISSION_PLUGINS (--enable-admission-plugins,
// --disable-admission-plugins), KAPI_ADMISSION_CONTROL_CONFIG_FILE (--admission-control-config-file:
// an apiserver.config.k8s.io AdmissionConfiguration naming each plugin's configuration), and
// DefaultTolerationSeconds' two flags. A value that cannot work stops the start in one line.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { ConfigError, list } from '@kapi/config';

export interface AdmissionSettings {
  /** Plugins to run besides the default ones, by kube's names. */
  enable: string[];
  /** Default plugins not to run. */
  disable: string[];
  /** --default-not-ready-toleration-seconds (300). */
  defaultNotReadyTolerationSeconds: number;
  /** --default-unreachable-toleration-seconds (300). */
  defaultUnreachableTolerationSeconds: number;
  /** A plugin's configuration from the AdmissionConfiguration file (JSON or YAML), or undefined. */
  pluginConfig(name: string): unknown;
}

const CONFIG_API_VERSIONS = ['apiserver.config.k8s.io/v1', 'apiserver.config.k8s.io/v1alpha1', 'apiserver.k8s.io/v1alpha1'];

function readDocument(file: string, variable: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return loadYaml(text);
  } catch (err) {
    throw new ConfigError(`${variable}: ${file} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Each plugin's configuration, from an AdmissionConfiguration: inline (`configuration`) or in its own file (`path`). */
export function readAdmissionConfiguration(file: string, variable = 'KAPI_ADMISSION_CONTROL_CONFIG_FILE'): Map<string, unknown> {
  const doc = readDocument(file, variable) as { apiVersion?: string; kind?: string; plugins?: { name?: string; path?: string; configuration?: unknown }[] } | null;
  if (!doc || typeof doc !== 'object' || doc.kind !== 'AdmissionConfiguration' || !CONFIG_API_VERSIONS.includes(doc.apiVersion ?? '')) {
    throw new ConfigError(`${variable}: ${file} is not an apiserver.config.k8s.io/v1 AdmissionConfiguration`);
  }
  const configs = new Map<string, unknown>();
  for (const plugin of doc.plugins ?? []) {
    if (!plugin?.name) throw new ConfigError(`${variable}: ${file} names a plugin without a name`);
    if (plugin.configuration !== undefined) configs.set(plugin.name, plugin.configuration);
    else if (plugin.path) configs.set(plugin.name, readDocument(isAbsolute(plugin.path) ? plugin.path : resolve(dirname(file), plugin.path), variable));
  }
  return configs;
}

function secondsSetting(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const value = env[variable]?.trim();
  if (!value) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(`${variable}=${JSON.stringify(env[variable])} is not a whole number of seconds`);
  return Number(value);
}

export function admissionSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AdmissionSettings {
  const file = env.KAPI_ADMISSION_CONTROL_CONFIG_FILE?.trim();
  const configs = file ? readAdmissionConfiguration(file) : new Map<string, unknown>();
  return {
    enable: list(env.KAPI_ENABLE_ADMISSION_PLUGINS),
    disable: list(env.KAPI_DISABLE_ADMISSION_PLUGINS),
    defaultNotReadyTolerationSeconds: secondsSetting(env, 'KAPI_DEFAULT_NOT_READY_TOLERATION_SECONDS', 300),
    defaultUnreachableTolerationSeconds: secondsSetting(env, 'KAPI_DEFAULT_UNREACHABLE_TOLERATION_SECONDS', 300),
    pluginConfig: (name) => configs.get(name),
  };
}
