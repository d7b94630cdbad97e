// Runs a service's gRPC server for the lifetime of its Nest application.
import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { formatHostPort, type ServiceConfig } from '@kapi/config';
import { startGrpcServer, type GrpcServerHandle, type ServiceCredentials } from '@kapi/grpc';
import type { Logger } from '@kapi/telemetry';

export type GrpcServiceRegistration = Parameters<typeof startGrpcServer>[1][number];

export abstract class GrpcServerHost implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private handle?: GrpcServerHandle;
  private stopping?: Promise<void>;

  protected constructor(
    protected readonly config: ServiceConfig,
    protected readonly logger: Logger,
    protected readonly credentials: ServiceCredentials,
  ) {}

  protected abstract services(): GrpcServiceRegistration[];

  async onApplicationBootstrap(): Promise<void> {
    const address = formatHostPort(this.config.listen);
    try {
      this.handle = await startGrpcServer(address, this.services(), { credentials: this.credentials, logger: this.logger });
    } catch (err) {
      throw new Error(`cannot listen on ${address}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * On SIGTERM, before any provider closes what the calls in flight use (etcd, NATS, gRPC clients
   * in their onApplicationShutdown): stop taking calls, end server streams so their clients resume
   * on another replica, and let the unary calls in flight finish.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stopServer();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopServer();
  }

  private stopServer(): Promise<void> {
    this.stopping ??= this.handle?.stop() ?? Promise.resolve();
    return this.stopping;
  }
}
