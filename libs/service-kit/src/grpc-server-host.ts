// Runs a service's gRPC server for the lifetime of its Nest application.
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { formatHostPort, type ServiceConfig } from '@kapi/config';
import { startGrpcServer, type GrpcServerHandle, type ServiceCredentials } from '@kapi/grpc';
import type { Logger } from '@kapi/telemetry';

export type GrpcServiceRegistration = Parameters<typeof startGrpcServer>[1][number];

export abstract class GrpcServerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private handle?: GrpcServerHandle;

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

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }
}
