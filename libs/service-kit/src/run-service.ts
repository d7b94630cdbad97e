// How every kapi service starts: configuration, tracing, logging, then the Nest application context
// that wires the service's providers. A failure to start is one line on stderr and exit code 1.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule, LoggerService } from '@nestjs/common';
import { ConfigError, formatHostPort, loadServiceConfig, type ServiceConfig } from '@kapi/config';
import { ServiceCredentials } from '@kapi/grpc';
import { createLogger, startTracing, type Logger } from '@kapi/telemetry';
import { MetricsServer } from './metrics-server.js';
import { CREDENTIALS } from './tokens.js';
import { awaitDependencies, type StartupDependency } from './startup-dependencies.js';

/** Nest's own messages go to the same JSON log as everything else. */
class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.debug(String(message), { context });
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error(String(message), { context, trace });
  }
  warn(message: unknown, context?: string) {
    this.logger.warn(String(message), { context });
  }
}

const TRACING_FLUSH = Symbol('kapi.tracing-flush');
const METRICS_SERVER = Symbol('kapi.metrics-server');

export type ModuleFactory = (config: ServiceConfig, logger: Logger) => DynamicModule;

export interface RunServiceOptions {
  /** What the service cannot start without; waited for (up to KAPI_DEPENDENCY_TIMEOUT) before anything else starts. */
  dependencies?: (config: ServiceConfig, credentials: ServiceCredentials) => StartupDependency[];
}

/**
 * The service's identity from KAPI_SERVICE_CERT_FILE, which must be its own: a registry started with
 * the watch-cache's certificate would be refused what a registry may do, so it does not start.
 */
export function loadServiceCredentials(config: ServiceConfig): ServiceCredentials {
  const credentials = ServiceCredentials.fromFiles(config.serviceTls);
  if (credentials.identity !== config.serviceName) {
    throw new ConfigError(`the certificate in KAPI_SERVICE_CERT_FILE (${config.serviceTls.certFile}) names the identity ${JSON.stringify(credentials.identity)}, not ${JSON.stringify(config.serviceName)}`);
  }
  return credentials;
}

export async function runService(serviceName: string, moduleFor: ModuleFactory, options: RunServiceOptions = {}): Promise<void> {
  let logger: Logger | undefined;
  try {
    const config = loadServiceConfig(serviceName);
    const credentials = loadServiceCredentials(config);
    const stopTracing = startTracing({ serviceName, instance: config.instance, traceFile: config.traceFile });
    logger = createLogger({ service: serviceName, instance: config.instance });
    const module = moduleFor(config, logger);
    const log = logger;
    await awaitDependencies(options.dependencies?.(config, credentials) ?? [], {
      timeoutMs: config.dependencyTimeoutMs,
      onWaiting: (dependency, cause) => log.warn(`waiting for ${dependency.name}`, { address: dependency.address, cause }),
    });
    // Buffered spans are flushed when the service shuts down, after every other provider stopped.
    module.providers = [
      ...(module.providers ?? []),
      { provide: CREDENTIALS, useValue: credentials },
      { provide: TRACING_FLUSH, useValue: { onApplicationShutdown: () => stopTracing() } },
    ];
    if (config.metricsListen) module.providers.push({ provide: METRICS_SERVER, useValue: new MetricsServer(config.metricsListen) });
    const app = await NestFactory.createApplicationContext(module, {
      logger: new NestJsonLogger(logger),
      abortOnError: false,
    });
    app.enableShutdownHooks();
    await app.init();
    logger.info(`${serviceName} started`, { listen: formatHostPort(config.listen) });
  } catch (err) {
    const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    logger?.error('start failed', { err });
    process.stderr.write(`kapi ${serviceName}: cannot start: ${message}\n`);
    process.exit(1);
  }
}
